// PEFT adapters: real files from ../shared, round trips, and config/tensor disagreements.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <fstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/test_paths.h"
#include "tests/support/golden_expectations.h"

using namespace lorastudio;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

nlohmann::json minimal_config() {
  return {{"peft_type", "LORA"}, {"r", 2}, {"lora_alpha", 4}, {"target_modules", {"q", "v"}}};
}

std::vector<NamedTensor> two_modules(int64_t rank_q = 2) {
  torch::manual_seed(1);
  return {{"base_model.model.layer.0.q.lora_A.weight", torch::randn({rank_q, 6})},
          {"base_model.model.layer.0.q.lora_B.weight", torch::randn({5, rank_q})},
          {"base_model.model.layer.0.v.lora_A.weight", torch::randn({2, 6})},
          {"base_model.model.layer.0.v.lora_B.weight", torch::randn({5, 2})}};
}

// The loaded modules are the file's, in block order (numbers compared as numbers), with its shapes and alphas.
void expect_modules(const LoraAdapter& a, const test::ExpectedPeftAdapter& e) {
  QCOMPARE(a.modules.size(), e.modules.size());
  for (size_t i = 0; i < e.modules.size(); ++i) {
    const LoraModule& m = a.modules[i];
    QCOMPARE(m.path, e.modules[i].path);
    QCOMPARE(m.rank(), e.modules[i].rank);
    QCOMPARE(m.in_features(), e.modules[i].in);
    QCOMPARE(m.out_features(), e.modules[i].out);
    QCOMPARE(m.alpha, e.modules[i].alpha);
    QCOMPARE(a.scale(m), e.modules[i].alpha / double(e.modules[i].rank));
  }
}

}  // namespace

class TestPeftFormat : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void reads_bert_adapter_with_modules_to_save() {
    const std::string dir = test::golden_path("models/bert_lora_adapter");
    LS_REQUIRE_FILE(dir + "/adapter_config.json");
    LoadedAdapter l = load_adapter(dir);
    const test::ExpectedPeftAdapter e = test::expected_peft_adapter(dir);
    QCOMPARE(l.format, AdapterFormat::Peft);
    expect_modules(l.adapter, e);
    QVERIFY(e.saved_tensors > 0);  // a sequence classifier saves its head
    QCOMPARE(l.adapter.saved_modules.size(), e.saved_tensors);
    int64_t saved = 0;
    for (const auto& [name, t] : l.adapter.saved_modules) saved += t.numel();
    QCOMPARE(saved, e.saved_parameters);
    QCOMPARE(l.adapter.task_type, e.task_type);
    QCOMPARE(l.adapter.parameter_count(), e.lora_parameters);
  }

  void reads_gpt2_adapter_fan_in_fan_out() {
    const std::string dir = test::golden_path("models/gpt2_lora_adapter");
    LS_REQUIRE_FILE(dir + "/adapter_config.json");
    LoadedAdapter l = load_adapter(dir);
    const test::ExpectedPeftAdapter e = test::expected_peft_adapter(dir);
    QVERIFY(e.fan_in_fan_out);
    QVERIFY(l.adapter.fan_in_fan_out);
    expect_modules(l.adapter, e);
  }

  void reads_pixart_style_adapter_in_block_order() {
    const std::string dir = test::golden_path("pixart/lora_style");
    LS_REQUIRE_FILE(dir + "/adapter_config.json");
    LoadedAdapter l = load_adapter(dir);
    expect_modules(l.adapter, test::expected_peft_adapter(dir));
  }

  void round_trip_keeps_everything() {
    auto a = test::random_adapter({{"blocks.0.attn.to_q", 12, 10, 2, 4},
                                   {"blocks.0.attn.to_out.0", 12, 10, 4, 16},
                                   {"blocks.10.attn.to_q", 12, 10, 2, 4},
                                   {"blocks.2.attn.to_q", 12, 10, 2, 1}},
                                  7);
    a.use_rslora = true;
    a.base_model = "PixArt-alpha/PixArt-XL-2-512x512";
    a.provenance = {{"generator", "demo"}, {"condition", "a watercolour style"}, {"seed", "3"}, {"sampler", "ddim"},
                    {"steps", "25"}};
    a.saved_modules["head.weight"] = torch::randn({3, 12});
    QTemporaryDir tmp;
    const std::string out = tmp.path().toStdString() + "/peft";
    save_adapter(a, AdapterFormat::Peft, out);
    LoadedAdapter b = load_adapter(out);
    QVERIFY(b.adapter.use_rslora);
    QCOMPARE(b.adapter.base_model, a.base_model);
    QCOMPARE(b.adapter.provenance, a.provenance);
    QCOMPARE(b.adapter.modules.size(), size_t(4));
    // natural order: block 2 before block 10
    QCOMPARE(b.adapter.modules[2].path, std::string("blocks.2.attn.to_q"));
    QCOMPARE(b.adapter.find("blocks.0.attn.to_out.0")->rank(), int64_t(4));
    QCOMPARE(b.adapter.find("blocks.0.attn.to_out.0")->alpha, 16.0);
    QCOMPARE(b.adapter.find("blocks.2.attn.to_q")->alpha, 1.0);
    QVERIFY(torch::equal(b.adapter.saved_modules.at("head.weight"), a.saved_modules.at("head.weight")));
    QCOMPARE(test::max_delta_difference(a, b.adapter), 0.0);
    // The config says what PEFT needs: rank_pattern / alpha_pattern for the exceptions.
    auto cfg = nlohmann::json::parse(std::ifstream(out + "/adapter_config.json"));
    QCOMPARE(cfg["r"].get<int>(), 2);
    QCOMPARE(cfg["rank_pattern"]["blocks.0.attn.to_out.0"].get<int>(), 4);
    QCOMPARE(cfg["alpha_pattern"]["blocks.2.attn.to_q"].get<double>(), 1.0);
    QCOMPARE(cfg["modules_to_save"][0].get<std::string>(), std::string("head"));
  }

  void round_trip_dora() {
    auto a = test::random_adapter({{"x.q", 6, 5, 2, 4}, {"x.v", 6, 5, 2, 4}}, 3, /*dora=*/true);
    QTemporaryDir tmp;
    const std::string out = tmp.path().toStdString() + "/dora";
    save_adapter(a, AdapterFormat::Peft, out);
    LoadedAdapter b = load_adapter(out);
    QVERIFY(b.adapter.modules[0].is_dora());
    QVERIFY(torch::equal(b.adapter.modules[1].magnitude, a.modules[1].magnitude));
  }

  void disagreement_is_an_error_data() {
    QTest::addColumn<QString>("config_patch");   // JSON merged into the minimal config ("" = no config file)
    QTest::addColumn<int>("rank_q");
    QTest::addColumn<bool>("drop_b");
    QTest::addColumn<QString>("expected");
    QTest::newRow("rank differs from r") << "{}" << 3 << false << "config says r=2 for module layer.0.q";
    QTest::newRow("rank_pattern differs") << R"({"rank_pattern": {"q": 4}})" << 2 << false << "r=4 for module layer.0.q";
    QTest::newRow("missing lora_B") << "{}" << 2 << true << "has a down/A weight";
    QTest::newRow("module not targeted") << R"({"target_modules": ["v"]})" << 2 << false << "not in target_modules";
    QTest::newRow("regex target") << R"({"target_modules": ".*\\.v"})" << 2 << false << "not in target_modules";
    QTest::newRow("dora without magnitude") << R"({"use_dora": true})" << 2 << false << "no lora_magnitude_vector";
    QTest::newRow("not LoRA") << R"({"peft_type": "IA3"})" << 2 << false << "only LORA adapters";
    QTest::newRow("r wrong type") << R"({"r": "four"})" << 2 << false << "\"r\" has the wrong type";
    QTest::newRow("missing config") << "" << 2 << false << "adapter_config.json: missing";
  }
  void disagreement_is_an_error() {
    QFETCH(QString, config_patch);
    QFETCH(int, rank_q);
    QFETCH(bool, drop_b);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    auto tensors = two_modules(rank_q);
    if (drop_b) tensors.erase(tensors.begin() + 1);
    write_safetensors(dir + "/adapter_model.safetensors", tensors);
    if (!config_patch.isEmpty()) {
      auto cfg = minimal_config();
      cfg.merge_patch(nlohmann::json::parse(config_patch.toStdString()));
      write_text(dir + "/adapter_config.json", cfg.dump());
    }
    try {
      load_adapter(dir);
      QFAIL("expected an error");
    } catch (const FileError& e) {
      const QString what = QString::fromUtf8(e.what());
      QVERIFY2(what.contains(expected), qPrintable(what));
      QVERIFY2(what.contains(tmp.path()), qPrintable(what));  // names the file
    }
  }

  void bad_json_config_names_the_file() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    write_safetensors(dir + "/adapter_model.safetensors", two_modules());
    write_text(dir + "/adapter_config.json", "{\"r\": 2,");
    try {
      load_adapter(dir);
      QFAIL("expected an error");
    } catch (const FileError& e) {
      QCOMPARE(e.path(), dir + "/adapter_config.json");
      QVERIFY(QString::fromUtf8(e.what()).contains("not valid JSON"));
    }
  }

  void unknown_key_is_an_error() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    auto tensors = two_modules();
    tensors.push_back({"base_model.model.layer.0.q.weight", torch::zeros({5, 6})});
    write_safetensors(dir + "/adapter_model.safetensors", tensors);
    write_text(dir + "/adapter_config.json", minimal_config().dump());
    QVERIFY_THROWS_EXCEPTION(FileError, load_adapter(dir));
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestPeftFormat)
#include "test_peft_format.moc"
