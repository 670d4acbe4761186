// kohya LoRA files: names, alphas, rsLoRA, 1x1 convolutions, files from other tools.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <cmath>

#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/formats/kohya_names.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "tests/support/adapter_testing.h"

using namespace lorastudio;

class TestKohyaFormat : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void names_from_other_tools_data() {
    QTest::addColumn<QString>("flat");
    QTest::addColumn<QString>("dotted");
    QTest::newRow("pixart") << "transformer_blocks_0_attn1_to_out_0" << "transformer_blocks.0.attn1.to_out.0";
    QTest::newRow("sd unet") << "down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k"
                             << "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k";
    QTest::newRow("resnet") << "up_blocks_2_resnets_1_time_emb_proj" << "up_blocks.2.resnets.1.time_emb_proj";
    QTest::newRow("clip") << "text_model_encoder_layers_11_self_attn_q_proj"
                          << "text_model.encoder.layers.11.self_attn.q_proj";
    QTest::newRow("llama") << "model_layers_3_mlp_gate_proj" << "model.layers.3.mlp.gate_proj";
    QTest::newRow("gpt2") << "transformer_h_0_attn_c_attn" << "transformer.h.0.attn.c_attn";
  }
  void names_from_other_tools() {
    QFETCH(QString, flat);
    QFETCH(QString, dotted);
    QCOMPARE(QString::fromStdString(unflatten_kohya_name(flat.toStdString())), dotted);
    QCOMPARE(QString::fromStdString(flatten_kohya_name(dotted.toStdString())), flat);
  }

  void round_trip_is_exact_with_rslora() {
    auto a = test::random_adapter({{"transformer_blocks.0.attn1.to_q", 8, 8, 4, 8},
                                   {"my_custom_block.proj", 8, 8, 2, 3}},
                                  9);
    a.use_rslora = true;
    a.fan_in_fan_out = false;
    a.provenance["sampler"] = "dpmpp";
    QTemporaryDir tmp;
    SaveResult r = save_adapter(a, AdapterFormat::Kohya, tmp.path().toStdString() + "/style.safetensors");
    SafetensorsReader reader(r.weights_path);
    QVERIFY(reader.contains("lora_unet_transformer_blocks_0_attn1_to_q.lora_down.weight"));
    // kohya has no rsLoRA: the stored alpha carries alpha·sqrt(r), so kohya tools see the same scale.
    const double stored = reader.tensor("lora_unet_transformer_blocks_0_attn1_to_q.alpha").item<double>();
    QVERIFY(std::abs(stored - 8.0 * 2.0) < 1e-5);
    LoadedAdapter b = load_adapter(r.weights_path);
    QCOMPARE(b.format, AdapterFormat::Kohya);
    QVERIFY(b.adapter.use_rslora);
    // names come back exactly (even the one the vocabulary can't explain) thanks to the metadata
    QVERIFY(b.adapter.find("my_custom_block.proj") != nullptr);
    QCOMPARE(b.adapter.provenance.at("sampler"), std::string("dpmpp"));
    QVERIFY(test::max_delta_difference(a, b.adapter) < 1e-6);
  }

  void foreign_file_without_names() {
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/foreign.safetensors";
    write_safetensors(file, {{"lora_unet_transformer_blocks_3_attn2_to_v.lora_down.weight", torch::randn({2, 6})},
                             {"lora_unet_transformer_blocks_3_attn2_to_v.lora_up.weight", torch::randn({6, 2})},
                             {"lora_unet_transformer_blocks_3_attn2_to_v.alpha", torch::tensor(1.0f)},
                             {"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", torch::randn({2, 6}).to(torch::kHalf)},
                             {"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", torch::randn({6, 2}).to(torch::kHalf)}},
                      {{"ss_network_dim", "2"}});
    LoadedAdapter l = load_adapter(file);
    QCOMPARE(l.adapter.modules.size(), size_t(2));
    const LoraModule* v = l.adapter.find("transformer_blocks.3.attn2.to_v", "unet");
    QVERIFY(v != nullptr);
    QCOMPARE(v->alpha, 1.0);
    const LoraModule* fc1 = l.adapter.find("text_model.encoder.layers.0.mlp.fc1", "text_encoder");
    QVERIFY(fc1 != nullptr);
    QCOMPARE(fc1->alpha, 2.0);  // no alpha stored: alpha = rank
    QCOMPARE(fc1->A.scalar_type(), torch::kHalf);
    QVERIFY(!l.notes.empty());
  }

  void one_by_one_conv_keeps_its_shape() {
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/conv.safetensors";
    const torch::Tensor down = torch::randn({2, 5, 1, 1}), up = torch::randn({7, 2, 1, 1});
    write_safetensors(file, {{"lora_unet_down_blocks_0_resnets_0_conv_shortcut.lora_down.weight", down},
                             {"lora_unet_down_blocks_0_resnets_0_conv_shortcut.lora_up.weight", up},
                             {"lora_unet_down_blocks_0_resnets_0_conv_shortcut.alpha", torch::tensor(2.0f)}});
    LoadedAdapter l = load_adapter(file);
    const LoraModule& m = l.adapter.modules[0];
    QCOMPARE(m.A.sizes().vec(), (std::vector<int64_t>{2, 5}));  // held as a matrix, ΔW as for a linear layer
    QCOMPARE(m.kernel_size, (std::vector<int64_t>{1, 1}));
    QCOMPARE(m.path, std::string("down_blocks.0.resnets.0.conv_shortcut"));
    const std::string again = tmp.path().toStdString() + "/again.safetensors";
    save_adapter(l.adapter, AdapterFormat::Kohya, again);
    SafetensorsReader r(again);
    QVERIFY(torch::equal(r.tensor("lora_unet_down_blocks_0_resnets_0_conv_shortcut.lora_down.weight"), down));
    QVERIFY(torch::equal(r.tensor("lora_unet_down_blocks_0_resnets_0_conv_shortcut.lora_up.weight"), up));
  }

  void missing_up_is_an_error() {
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/broken.safetensors";
    write_safetensors(file, {{"lora_unet_a_to_q.lora_down.weight", torch::randn({2, 4})},
                             {"lora_unet_a_to_q.alpha", torch::tensor(2.0f)}});
    try {
      load_adapter(file);
      QFAIL("expected an error");
    } catch (const FileError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains("no up/B weight"), e.what());
    }
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestKohyaFormat)
#include "test_kohya_format.moc"
