// diffusers LoRA files: the golden PixArt adapter, metadata alphas, components, legacy key forms.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/test_paths.h"
#include "tests/support/golden_expectations.h"

using namespace lorastudio;

class TestDiffusersFormat : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void golden_file_matches_its_peft_twin() {
    const std::string dir = test::golden_path("pixart/lora_style");
    LS_REQUIRE_FILE(dir + "/pytorch_lora_weights.safetensors");
    LoadedAdapter d = load_adapter(dir + "/pytorch_lora_weights.safetensors");
    LoadedAdapter p = load_adapter(dir);
    QCOMPARE(d.format, AdapterFormat::Diffusers);
    const test::ExpectedPeftAdapter e = test::expected_peft_adapter(dir);
    QCOMPARE(d.adapter.modules.size(), e.modules.size());
    QCOMPARE(d.adapter.modules[0].component, std::string("transformer"));
    // The file stores no alpha: diffusers' convention alpha = rank applies, and the loader says so.
    for (size_t i = 0; i < e.modules.size(); ++i) QCOMPARE(d.adapter.modules[i].alpha, double(e.modules[i].rank));
    QVERIFY(!d.notes.empty());
    QVERIFY(QString::fromStdString(d.notes[0]).contains("alpha"));
    // Same factors as the PEFT form; with the PEFT alphas the ΔW agree exactly.
    for (size_t i = 0; i < e.modules.size(); ++i) d.adapter.modules[i].alpha = e.modules[i].alpha;
    QCOMPARE(test::max_delta_difference(d.adapter, p.adapter), 0.0);
  }

  void detects_directory() {
    const std::string dir = test::golden_path("pixart/lora_style");
    LS_REQUIRE_FILE(dir + "/pytorch_lora_weights.safetensors");
    // adapter_config.json is there too, so the directory reads as PEFT; the file alone reads as diffusers.
    QCOMPARE(detect_adapter_format(dir), AdapterFormat::Peft);
    QCOMPARE(detect_adapter_format(dir + "/pytorch_lora_weights.safetensors"), AdapterFormat::Diffusers);
  }

  void round_trip_keeps_alpha_in_metadata() {
    auto a = test::random_adapter({{"transformer_blocks.0.attn1.to_q", 8, 8, 2, 8},
                                   {"transformer_blocks.0.attn1.to_out.0", 8, 8, 3, 5}},
                                  11);
    a.provenance["seed"] = "42";
    QTemporaryDir tmp;
    SaveResult r = save_adapter(a, AdapterFormat::Diffusers, tmp.path().toStdString() + "/out");
    SafetensorsReader reader(r.weights_path);
    QVERIFY(reader.contains("transformer.transformer_blocks.0.attn1.to_q.lora_A.weight"));
    QVERIFY(reader.metadata().count("lora_adapter_metadata"));
    LoadedAdapter b = load_adapter(tmp.path().toStdString() + "/out");
    QVERIFY(b.notes.empty());
    QCOMPARE(b.adapter.find("transformer_blocks.0.attn1.to_out.0")->alpha, 5.0);
    QCOMPARE(b.adapter.provenance.at("seed"), std::string("42"));
    QCOMPARE(test::max_delta_difference(a, b.adapter), 0.0);
  }

  void several_components() {
    auto a = test::random_adapter({{"down_blocks.0.attentions.0.proj_in", 6, 6, 2, 2},
                                   {"text_model.encoder.layers.0.self_attn.q_proj", 6, 6, 2, 1}},
                                  5);
    a.modules[0].component = "unet";
    a.modules[1].component = "text_encoder";
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/lora.safetensors";
    save_adapter(a, AdapterFormat::Diffusers, file);
    LoadedAdapter b = load_adapter(file);
    QCOMPARE(b.adapter.modules.size(), size_t(2));
    QCOMPARE(b.adapter.find("text_model.encoder.layers.0.self_attn.q_proj", "text_encoder")->alpha, 1.0);
    QCOMPARE(test::max_delta_difference(a, b.adapter, true), 0.0);
    // PEFT wraps one model: writing this adapter as PEFT must say why it can't.
    try {
      save_adapter(b.adapter, AdapterFormat::Peft, tmp.path().toStdString() + "/peft");
      QFAIL("expected an error");
    } catch (const FileError& e) {
      QVERIFY(QString::fromUtf8(e.what()).contains("components"));
    }
  }

  void legacy_key_forms_data() {
    QTest::addColumn<QString>("a_key");
    QTest::addColumn<QString>("b_key");
    QTest::addColumn<QString>("path");
    QTest::newRow("lora.down") << "unet.mid_block.attentions.0.proj_in.lora.down.weight"
                               << "unet.mid_block.attentions.0.proj_in.lora.up.weight"
                               << "mid_block.attentions.0.proj_in";
    QTest::newRow("lora_linear_layer") << "text_encoder.text_model.encoder.layers.0.self_attn.k_proj.lora_linear_layer.down.weight"
                                       << "text_encoder.text_model.encoder.layers.0.self_attn.k_proj.lora_linear_layer.up.weight"
                                       << "text_model.encoder.layers.0.self_attn.k_proj";
    QTest::newRow("attention processor") << "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.down.weight"
                                         << "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.up.weight"
                                         << "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0";
  }
  void legacy_key_forms() {
    QFETCH(QString, a_key);
    QFETCH(QString, b_key);
    QFETCH(QString, path);
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/pytorch_lora_weights.safetensors";
    write_safetensors(file, {{a_key.toStdString(), torch::randn({2, 4})}, {b_key.toStdString(), torch::randn({3, 2})}});
    LoadedAdapter l = load_adapter(tmp.path().toStdString());
    QCOMPARE(l.format, AdapterFormat::Diffusers);
    QCOMPARE(l.adapter.modules.size(), size_t(1));
    QCOMPARE(QString::fromStdString(l.adapter.modules[0].path), path);
  }

  void network_alpha_tensors() {
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/pytorch_lora_weights.safetensors";
    write_safetensors(file, {{"unet.a.to_q.lora_A.weight", torch::randn({4, 4})},
                             {"unet.a.to_q.lora_B.weight", torch::randn({4, 4})},
                             {"unet.a.to_q.alpha", torch::tensor(2.0f)}});
    LoadedAdapter l = load_adapter(file);
    QCOMPARE(l.adapter.modules[0].alpha, 2.0);
    QVERIFY(l.notes.empty());
  }

  void malformed_data() {
    QTest::addColumn<QString>("case_name");
    QTest::newRow("up without down") << "up";
    QTest::newRow("foreign key") << "foreign";
    QTest::newRow("bias") << "bias";
  }
  void malformed() {
    QFETCH(QString, case_name);
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/pytorch_lora_weights.safetensors";
    std::vector<NamedTensor> t = {{"transformer.b.to_q.lora_A.weight", torch::randn({2, 4})},
                                  {"transformer.b.to_q.lora_B.weight", torch::randn({4, 2})}};
    if (case_name == "up") t.erase(t.begin());
    if (case_name == "foreign") t.push_back({"transformer.b.to_q.weight", torch::randn({4, 4})});
    if (case_name == "bias") t.push_back({"transformer.b.to_q.lora_B.bias", torch::randn({4})});
    write_safetensors(file, t);
    try {
      read_back(file);
      QFAIL("expected an error");
    } catch (const FileError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QString::fromStdString(file)), e.what());
    }
  }

 private:
  static void read_back(const std::string& file) {
    LoadedAdapter l = load_adapter(file);
    (void)l;
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestDiffusersFormat)
#include "test_diffusers_format.moc"
