// The condition encoders' models against the reference libraries: CLIP's text encoder with projection
// (transformers), T5's encoder (transformers, v1.1), torchvision's ResNet (F16 weights, eval mode) — each within
// the tolerance its golden.json states, and each check shown able to fail.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>

#include "core/io/checkpoint_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/models/clip_text_model.h"
#include "core/models/resnet.h"
#include "core/models/t5_encoder.h"
#include "tests/support/error_text.h"
#include "tests/support/model_golden.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::models;

class TestEncoderModels : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void clip_text_matches_transformers() {
    test::ModelGolden g = test::model_golden("clip_text");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    ClipTextModel model = load_clip_text_model(g.dir);
    torch::NoGradGuard no_grad;
    auto ids = g["input_ids"];
    ClipTextOutput out = model->forward(ids);
    double hidden = test::max_abs_difference(out.last_hidden_state, g["last_hidden_state"]);
    double embeds = test::max_abs_difference(out.text_embeds, g["text_embeds"]);
    qInfo("clip text: max error hidden %.3g, text_embeds %.3g (tolerance %.3g)", hidden, embeds, g.tolerance);
    QVERIFY(hidden <= g.tolerance);
    QVERIFY(embeds <= g.tolerance);
    // The check can fail: pooling at the last position instead of the first end token gives other embeddings.
    auto last = model->forward(ids).last_hidden_state.select(1, -1);
    auto eos_first = ids.eq(model->config().eos_token_id).to(torch::kInt).argmax(-1);
    QVERIFY(eos_first.lt(ids.size(1) - 1).any().item<bool>());
    QVERIFY(test::max_abs_difference(last, out.pooled) > 100 * g.tolerance);
  }

  void t5_encoder_matches_transformers() {
    test::ModelGolden g = test::model_golden("t5_encoder");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    T5Encoder model = load_t5_encoder(g.dir);
    torch::NoGradGuard no_grad;
    auto mask = g["attention_mask"];
    auto hidden = model->forward(g["input_ids"], mask);
    double error = test::max_abs_difference(hidden, g["last_hidden_state"], mask.unsqueeze(-1));
    qInfo("t5 encoder: max error %.3g (tolerance %.3g)", error, g.tolerance);
    QVERIFY(error <= g.tolerance);
    // The check can fail: without the padding mask the padded rows read their padding.
    QVERIFY(mask.eq(0).any().item<bool>());
    auto unmasked = model->forward(g["input_ids"]);
    QVERIFY(test::max_abs_difference(unmasked, g["last_hidden_state"], mask.unsqueeze(-1)) > 100 * g.tolerance);
  }

  // A file that names the token embedding only by its tied name encoder.embed_tokens.weight loads alike; one whose
  // embedding has the wrong shape is refused with both shapes.
  void t5_embedding_under_its_tied_name() {
    test::ModelGolden g = test::model_golden("t5_encoder");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    QTemporaryDir tmp;
    CheckpointReader original(g.dir);
    auto write = [&](const std::string& dir, int64_t drop_rows) {
      std::filesystem::create_directories(dir);
      std::filesystem::copy_file(g.dir + "/config.json", dir + "/config.json");
      std::vector<NamedTensor> tensors;
      for (const std::string& name : original.names()) {
        if (name == "encoder.embed_tokens.weight") continue;
        torch::Tensor t = original.tensor(name).clone();
        if (name == "shared.weight") tensors.push_back({"encoder.embed_tokens.weight", t.narrow(0, 0, t.size(0) - drop_rows).clone()});
        else tensors.push_back({name, t});
      }
      write_safetensors(dir + "/model.safetensors", tensors);
    };
    const std::string renamed = tmp.filePath("renamed").toStdString(), short_one = tmp.filePath("short").toStdString();
    write(renamed, 0);
    write(short_one, 1);
    torch::NoGradGuard no_grad;
    auto mask = g["attention_mask"];
    auto hidden = load_t5_encoder(renamed)->forward(g["input_ids"], mask);
    QVERIFY(test::max_abs_difference(hidden, g["last_hidden_state"], mask.unsqueeze(-1)) <= g.tolerance);
    QString error = test::error_of([&] { load_t5_encoder(short_one); });
    QVERIFY2(error.contains("encoder.embed_tokens.weight") && error.contains("needs"), qPrintable(error));
  }

  // T5's buckets: exact for small distances, logarithmic beyond, signed halves, capped at the last bucket.
  void t5_relative_buckets() {
    auto rel = torch::tensor({0, 1, -1, 7, -7, 8, 20, 127, 128, 1000, -1000}, torch::kLong);
    auto b = t5_relative_position_bucket(rel, 32, 128);
    QCOMPARE(b[0].item<int64_t>(), int64_t(0));
    QCOMPARE(b[1].item<int64_t>(), int64_t(17));   // positive distances take the upper half
    QCOMPARE(b[2].item<int64_t>(), int64_t(1));
    QCOMPARE(b[3].item<int64_t>(), int64_t(23));
    QCOMPARE(b[4].item<int64_t>(), int64_t(7));
    QCOMPARE(b[5].item<int64_t>(), int64_t(24));   // 8 + log(8/8)/log(16)·8 = 8
    QCOMPARE(b[6].item<int64_t>(), int64_t(26));   // 8 + int(log(2.5)/log(16)·8) = 10
    QCOMPARE(b[9].item<int64_t>(), int64_t(31));
    QCOMPARE(b[10].item<int64_t>(), int64_t(15));
  }

  void resnet_matches_torchvision() {
    test::ModelGolden g = test::model_golden("resnet");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    ResNet model = load_resnet(g.dir + "/model.safetensors");
    torch::NoGradGuard no_grad;
    ResNetOutput out = model->forward(g["input"]);
    double pooled = test::max_abs_difference(out.pooled, g["pooled_features"]);
    double logits = test::max_abs_difference(out.logits, g["logits"]);
    qInfo("resnet (%s): max error pooled %.3g, logits %.3g (tolerance %.3g)", model->config().summary().c_str(), pooled,
          logits, g.tolerance);
    QVERIFY(pooled <= g.tolerance);
    QVERIFY(logits <= g.tolerance);
    // The check can fail: BatchNorm on the batch's statistics (training mode) is not torchvision's eval output.
    model->train();
    auto training = model->forward(g["input"]);
    model->eval();
    QVERIFY(test::max_abs_difference(training.logits, g["logits"]) > 10 * g.tolerance);
  }

  void wrong_files_are_named() {
    const std::string bert = test::golden_path("models/bert");
    LS_REQUIRE_FILE(bert + "/model.safetensors");
    QString not_resnet = test::error_of([&] { load_resnet(bert + "/model.safetensors"); });
    QVERIFY2(not_resnet.contains("model.safetensors") && not_resnet.contains("not a torchvision ResNet"),
             qPrintable(not_resnet));
    QString not_clip = test::error_of([&] { load_clip_text_model(bert); });
    QVERIFY2(not_clip.contains("config.json") && not_clip.contains("'bert'"), qPrintable(not_clip));
    QString not_t5 = test::error_of([&] { load_t5_encoder(bert); });
    QVERIFY2(not_t5.contains("not T5"), qPrintable(not_t5));
  }
};

LORASTUDIO_TEST_MAIN(TestEncoderModels)
#include "test_encoder_models.moc"
