// The pretrained condition encoders (clip-text, bert-mean, resnet) over the golden tiny models: their features
// follow the condition (the same text gives the same features, another text others), they stay frozen (no
// parameters for the generator to train or save), and a missing model folder is an error naming it.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>

#include "core/generator/condition_encoder.h"
#include "core/generator/pretrained_condition_encoders.h"
#include "core/io/safetensors_reader.h"
#include "tests/support/error_text.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
namespace fs = std::filesystem;

namespace {

// A model folder of the golden model's config and weights with the tokenizer files beside them.
std::string model_folder(const QTemporaryDir& dir, const std::string& model, const std::vector<std::string>& vocab) {
  const fs::path root = fs::path(dir.path().toStdString()) / model;
  fs::create_directories(root);
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::create_symlink(test::golden_path("models/" + model + "/" + f), root / f);
  }
  for (const std::string& v : vocab) fs::create_symlink(v, root / fs::path(v).filename());
  return root.string();
}

ConditionInput text_condition(const std::string& text, std::vector<std::string> examples = {}) {
  ConditionInput c;
  c.text = text;
  c.examples = std::move(examples);
  return c;
}

void check_follows_the_text(ConditionEncoderImpl& encoder) {
  auto f = encoder.encode({text_condition("Classify the sentiment of a movie review.", {"great film", "dull plot"}),
                           text_condition("Classify the sentiment of a movie review.", {"great film", "dull plot"}),
                           text_condition("Translate the sentence into French.")});
  QCOMPARE(f.size(0), int64_t(3));
  QCOMPARE(f.size(1), encoder.output_dim());
  QVERIFY(torch::allclose(f[0], f[1]));
  QVERIFY((f[0] - f[2]).abs().max().item<double>() > 1e-3);
  QVERIFY(encoder.parameters().empty());  // frozen: nothing for the trainer, nothing saved in the bundle
}

}  // namespace

class TestPretrainedConditionEncoders : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void clip_text() {
    LS_REQUIRE_FILE(test::golden_path("models/clip_text/model.safetensors"));
    LS_REQUIRE_FILE(test::golden_path("tokenizers/clip/vocab.json"));
    QTemporaryDir dir;
    ConditionEncoderConfig c;
    c.kind = "clip-text";
    c.model = model_folder(dir, "clip_text", {test::golden_path("tokenizers/clip/vocab.json"),
                                              test::golden_path("tokenizers/clip/merges.txt")});
    auto encoder = make_condition_encoder(c);
    check_follows_the_text(*encoder);
    auto f = encoder->encode({text_condition("a painting of a squirrel")});
    QVERIFY(std::abs(f.norm().item<double>() - 1.0) < 1e-5);
    // The config round-trips with its model folder.
    auto again = ConditionEncoderConfig::from_json(c.to_json(), "generator.json");
    QCOMPARE(again.model, c.model);
  }

  void bert_mean() {
    const std::string vocab = test::golden_dir() + "/../vocab/bert-base-uncased/vocab.txt";
    LS_REQUIRE_FILE(test::golden_path("models/bert/model.safetensors"));
    LS_REQUIRE_FILE(vocab);
    QTemporaryDir dir;
    ConditionEncoderConfig c;
    c.kind = "bert-mean";
    c.model = model_folder(dir, "bert", {vocab});
    auto encoder = make_condition_encoder(c);
    check_follows_the_text(*encoder);
  }

  void resnet() {
    LS_REQUIRE_FILE(test::golden_path("models/resnet/model.safetensors"));
    ConditionEncoderConfig c;
    c.kind = "resnet";
    c.image_size = 64;
    c.model = test::golden_path("models/resnet/model.safetensors");
    auto encoder = make_condition_encoder(c);
    QVERIFY(c.uses_images());
    torch::manual_seed(3);
    ConditionInput a, b;
    a.image = torch::rand({3, 40, 48});
    b.image = torch::rand({3, 40, 48}).pow(3);
    auto f = encoder->encode({a, a, b});
    QCOMPARE(f.size(1), int64_t(512));
    QVERIFY(torch::allclose(f[0], f[1]));
    QVERIFY((f[0] - f[2]).abs().max().item<double>() > 1e-4);
    QVERIFY(test::error_of([&] { encoder->encode({text_condition("no image")}); }).contains("no [3, H, W] image"));
  }

  void missing_models_are_named() {
    ConditionEncoderConfig c;
    c.kind = "clip-text";
    c.model = "/nonexistent/clip-vit";
    QString missing = test::error_of([&] { make_condition_encoder(c); });
    QVERIFY2(missing.contains("/nonexistent/clip-vit") && missing.contains("clip-text"), qPrintable(missing));
    QString no_model = test::error_of([] {
      ConditionEncoderConfig::from_json({{"kind", "bert-mean"}}, "generator.json");
    });
    QVERIFY2(no_model.contains("generator.json") && no_model.contains("model"), qPrintable(no_model));
    QCOMPARE(condition_text(text_condition("Task.", {"a", "b"})), std::string("Task. Examples: a | b"));
  }
};

LORASTUDIO_TEST_MAIN(TestPretrainedConditionEncoders)
#include "test_pretrained_condition_encoders.moc"
