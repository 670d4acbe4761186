// BERT and RoBERTa classifiers against transformers' outputs in $LORASTUDIO_GOLDEN/models/{bert,roberta}, with the
// PEFT adapter of models/bert_lora_adapter merged and unmerged; each within the tolerance its golden.json states.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

#include "core/formats/adapter_io.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/models/bert_model.h"
#include "core/models/model_adapters.h"
#include "tests/support/error_text.h"
#include "tests/support/model_golden.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::models;

namespace {

struct Run {
  BertOutput out;
  torch::Tensor logits;
};

Run run(BertClassifier& model, const test::ModelGolden& g, bool with_mask = true) {
  torch::NoGradGuard no_grad;
  torch::Tensor types = g.has("token_type_ids") ? g["token_type_ids"] : torch::Tensor();
  auto [out, logits] = model->forward_all(g["input_ids"], with_mask ? g["attention_mask"] : torch::Tensor(), types);
  return {out, logits};
}

// Hidden states are compared where the attention mask is 1 (padding positions are not defined outputs).
double hidden_error(const Run& r, const test::ModelGolden& g) {
  return test::max_abs_difference(r.out.last_hidden_state, g["last_hidden_state"], g["attention_mask"].unsqueeze(-1));
}

}  // namespace

class TestBertModels : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void matches_transformers_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("bert") << "bert";
    QTest::newRow("roberta") << "roberta";
  }
  void matches_transformers() {
    QFETCH(QString, name);
    test::ModelGolden g = test::model_golden(name.toStdString());
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    QVERIFY(g.tolerance > 0);
    BertClassifier model = load_bert_classifier(g.dir);
    Run r = run(model, g);
    double hidden = hidden_error(r, g), logits = test::max_abs_difference(r.logits, g["logits"]);
    qInfo("%s: max error hidden %.3g, logits %.3g (tolerance %.3g)", qPrintable(name), hidden, logits, g.tolerance);
    QVERIFY(hidden <= g.tolerance);
    QVERIFY(logits <= g.tolerance);
    // The check can fail: without the attention mask the padded rows' outputs move far beyond the tolerance.
    QVERIFY(g["attention_mask"].eq(0).any().item<bool>());
    QVERIFY(hidden_error(run(model, g, false), g) > 100 * g.tolerance);
  }

  void peft_adapter_merged_and_unmerged_data() {
    QTest::addColumn<QString>("mode");
    QTest::newRow("merged") << "merged";
    QTest::newRow("unmerged") << "unmerged";
  }
  void peft_adapter_merged_and_unmerged() {
    QFETCH(QString, mode);
    test::ModelGolden g = test::model_golden("bert");
    const std::string adapter_dir = test::golden_path("models/bert_lora_adapter");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    LS_REQUIRE_FILE(adapter_dir + "/adapter_config.json");
    BertClassifier model = load_bert_classifier(g.dir);
    std::vector<torch::Tensor> before;
    for (const auto& p : model->parameters()) before.push_back(p.clone());
    LoadedAdapter loaded = load_adapter(adapter_dir);
    {
      AttachedAdapter lora(*model, loaded.adapter, adapter_mode_from_string(mode.toStdString()));
      QCOMPARE(lora.replaced_tensors() > 0, mode == "merged" || !loaded.adapter.saved_modules.empty());
      double error = test::max_abs_difference(run(model, g).logits, g["logits_with_lora"]);
      qInfo("%s: max error with the adapter %.3g", qPrintable(mode), error);
      QVERIFY(error <= g.tolerance);
    }
    // Detached: the base model bit for bit, and its logits again.
    auto after = model->parameters();
    for (size_t i = 0; i < before.size(); ++i) QVERIFY(torch::equal(before[i], after[i]));
    QVERIFY(test::max_abs_difference(run(model, g).logits, g["logits"]) <= g.tolerance);
    // The check can fail: the base model's logits are not the adapter's.
    QVERIFY(test::max_abs_difference(run(model, g).logits, g["logits_with_lora"]) > 10 * g.tolerance);
  }

  // Without gradients the encoder projects q, k and v with one fused GEMM (a copy of the three weights). It follows
  // in-place changes of the weights (a merge) and replaced weights (a dtype move): each pass equals the unfused
  // pass, which runs with gradients on.
  void fused_projection_follows_the_weights() {
    test::ModelGolden g = test::model_golden("bert");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    BertClassifier model = load_bert_classifier(g.dir);
    auto unfused = [&] {
      torch::AutoGradMode grad(true);
      return model->forward(g["input_ids"], g["attention_mask"]).detach();
    };
    const torch::Tensor first = run(model, g).logits;  // fuses
    torch::Tensor value = model->named_parameters()["bert.encoder.layer.0.attention.self.value.weight"];
    {
      torch::NoGradGuard no_grad;
      value.mul_(3.0);
    }
    const torch::Tensor changed = run(model, g).logits;  // no pass between: a stale copy would give `first`
    QVERIFY(test::max_abs_difference(changed, unfused()) <= 1e-5);
    QVERIFY(test::max_abs_difference(changed, first) > 1e-4);  // the change matters: a stale copy would fail
    model->to(torch::kDouble);
    QVERIFY(test::max_abs_difference(run(model, g).logits, unfused()) <= 1e-9);
  }

  // A sharded BF16 folder (model.safetensors.index.json + two shards) loads as the F32 file does, within bf16's
  // rounding of the weights.
  void loads_a_sharded_bf16_folder() {
    test::ModelGolden g = test::model_golden("bert");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    std::filesystem::copy_file(g.dir + "/config.json", root + "/config.json");
    SafetensorsReader source(g.dir + "/model.safetensors");
    std::vector<NamedTensor> shards[2];
    nlohmann::json weight_map;
    std::vector<std::string> names = source.names();
    for (size_t i = 0; i < names.size(); ++i) {
      const size_t shard = i % 2;
      shards[shard].push_back({names[i], source.tensor(names[i]).to(torch::kBFloat16)});
      weight_map[names[i]] = "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
    }
    for (size_t k = 0; k < 2; ++k) {
      write_safetensors(root + "/model-0000" + std::to_string(k + 1) + "-of-00002.safetensors", shards[k]);
    }
    std::ofstream(root + "/model.safetensors.index.json") << nlohmann::json{{"metadata", {}}, {"weight_map", weight_map}}.dump();
    BertClassifier bf16 = load_bert_classifier(root);
    BertClassifier f32 = load_bert_classifier(g.dir);
    QCOMPARE(bf16->parameters().front().scalar_type(), torch::kFloat);
    double error = test::max_abs_difference(run(bf16, g).logits, run(f32, g).logits);
    qInfo("sharded bf16 folder: logits within %.3g of the F32 file's", error);
    QVERIFY(error > 0 && error < 0.05);
  }

  void disagreements_are_named() {
    test::ModelGolden g = test::model_golden("bert");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    std::filesystem::copy_file(g.dir + "/model.safetensors", root + "/model.safetensors");
    nlohmann::json config = nlohmann::json::parse(std::ifstream(g.dir + "/config.json"));
    config["num_hidden_layers"] = config["num_hidden_layers"].get<int>() + 1;
    std::ofstream(root + "/config.json") << config.dump();
    QString more_layers = test::error_of([&] { load_bert_classifier(root); });
    QVERIFY2(more_layers.contains("model.safetensors") && more_layers.contains("missing tensors") &&
                 more_layers.contains("layers"), qPrintable(more_layers));
    config = nlohmann::json::parse(std::ifstream(g.dir + "/config.json"));
    config["intermediate_size"] = config["intermediate_size"].get<int>() * 2;
    std::ofstream(root + "/config.json") << config.dump();
    QString wider = test::error_of([&] { load_bert_classifier(root); });
    QVERIFY2(wider.contains("shapes differ") && wider.contains("intermediate.dense.weight"), qPrintable(wider));
    std::filesystem::remove(root + "/config.json");
    QString no_config = test::error_of([&] { load_bert_classifier(root); });
    QVERIFY2(no_config.contains("config.json"), qPrintable(no_config));
    // An adapter for other layers is refused by name, and leaves the model as it was.
    BertClassifier model = load_bert_classifier(g.dir);
    LoraAdapter stray;
    LoraModule m;
    m.path = "bert.encoder.layer.99.attention.self.query";
    m.A = torch::zeros({1, model->config().hidden_size});
    m.B = torch::zeros({model->config().hidden_size, 1});
    stray.modules.push_back(m);
    QString missing = test::error_of([&] { AttachedAdapter(*model, stray, AdapterMode::Merged); });
    QVERIFY2(missing.contains("layer.99"), qPrintable(missing));
  }
};

LORASTUDIO_TEST_MAIN(TestBertModels)
#include "test_bert_models.moc"
