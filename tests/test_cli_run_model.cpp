// lora-studio-cli run-model on the golden models with their tokenizers beside them: a classifier's logits change
// with its adapter, GPT-2 continues a prompt with its greedy tokens, a folder without a model is named; and the
// encoder benchmark's JSON on a small CPU run.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

#include "tests/support/cli_runner.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
namespace fs = std::filesystem;

namespace {

std::string folder_with(const QTemporaryDir& dir, const std::string& name, const std::vector<std::string>& files) {
  const fs::path root = fs::path(dir.path().toStdString()) / name;
  fs::create_directories(root);
  for (const std::string& f : files) fs::create_symlink(f, root / fs::path(f).filename());
  return root.string();
}

}  // namespace

class TestCliRunModel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void classifier_with_and_without_adapter() {
    const std::string model = test::golden_path("models/bert"), vocab = test::golden_dir() + "/../vocab/bert-base-uncased/vocab.txt";
    LS_REQUIRE_FILE(model + "/model.safetensors");
    LS_REQUIRE_FILE(vocab);
    QTemporaryDir dir;
    const std::string folder =
        folder_with(dir, "bert", {model + "/config.json", model + "/model.safetensors", vocab});
    auto base = test::cli("run-model " + test::q(folder) + " --text 'A great film.' --pair 'It was fun.'");
    QVERIFY2(base.status == 0, base.output.c_str());
    QVERIFY2(base.output.find("logits [") != std::string::npos && base.output.find("label: ") != std::string::npos,
             base.output.c_str());
    auto adapted = test::cli("run-model " + test::q(folder) + " --text 'A great film.' --pair 'It was fun.' --adapter " +
                             test::q(test::golden_path("models/bert_lora_adapter")));
    QVERIFY2(adapted.status == 0, adapted.output.c_str());
    auto logits_line = [](const std::string& out) { return out.substr(out.find("logits ["), out.find('\n', out.find("logits [")) - out.find("logits [")); };
    QVERIFY(logits_line(base.output) != logits_line(adapted.output));
  }

  void gpt2_continues_the_prompt() {
    const std::string model = test::golden_path("models/gpt2"), vocab = test::golden_dir() + "/../vocab/gpt2";
    LS_REQUIRE_FILE(model + "/model.safetensors");
    LS_REQUIRE_FILE(vocab + "/encoder.json");
    QTemporaryDir dir;
    const std::string folder = folder_with(
        dir, "gpt2", {model + "/config.json", model + "/model.safetensors", vocab + "/encoder.json", vocab + "/vocab.bpe"});
    auto r = test::cli("run-model " + test::q(folder) + " --text 'Hello world' --max-new-tokens 4");
    QVERIFY2(r.status == 0, r.output.c_str());
    QVERIFY2(r.output.find("new tokens: 4") != std::string::npos && r.output.find("text: Hello world") != std::string::npos,
             r.output.c_str());
  }

  void a_folder_without_a_model_is_named() {
    QTemporaryDir dir;
    auto r = test::cli("run-model " + test::q(dir.path().toStdString()) + " --text x");
    QVERIFY(r.status != 0);
    QVERIFY2(r.output.find("config.json") != std::string::npos && r.output.find("terminate") == std::string::npos,
             r.output.c_str());
  }

  void encoder_bench_json() {
    QTemporaryDir dir;
    const std::string json = dir.path().toStdString() + "/encoder.json";
    auto r = test::cli("bench encoder --layers 1 --batch 2 --length 16 --repeats 1 --no-peer --quiet --json " + test::q(json));
    QVERIFY2(r.status == 0, r.output.c_str());
    nlohmann::json j = nlohmann::json::parse(std::ifstream(json));
    QCOMPARE(j["results"].size(), size_t(1));
    QVERIFY(j["results"][0]["eager_median_ms"].get<double>() > 0);
    QCOMPARE(j["results"][0]["max_abs_vs_float32"].get<double>(), 0.0);
  }
};

LORASTUDIO_TEST_MAIN(TestCliRunModel)
#include "test_cli_run_model.moc"
