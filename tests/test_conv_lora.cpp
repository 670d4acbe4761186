// Conv LoRA (LoCon): reading PEFT / kohya / diffusers conv keys, exact round trips, ΔW against the convolution
// it stands for, merge and unmerge into a conv weight, mixing and zoo vectors, and the inputs that are refused.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/math/lora_math.h"
#include "core/math/lora_mixing.h"
#include "core/util/error.h"
#include "core/zoo/zoo_layout.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/error_text.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using lorastudio::test::error_of;
namespace F = torch::nn::functional;

namespace {

// A LoCon adapter on two 3×3 convolutions and one 1×1, plus a linear module.
LoraAdapter locon_adapter(uint64_t seed) {
  return test::random_adapter({{"conv_in", 6, 3, 2, 4.0, {3, 3}},
                               {"blocks.0.conv", 6, 6, 3, 3.0, {3, 3}},
                               {"blocks.0.skip", 5, 6, 2, 2.0, {1, 1}},
                               {"head.proj", 4, 5, 2, 2.0}},
                              seed);
}

// The LoCon forward: x → conv(x, down, padding) → 1×1 conv(up) → ·scale (what PEFT's Conv2d LoRA layer computes).
torch::Tensor locon_branch(const torch::Tensor& x, const LoraAdapter& a, const LoraModule& m) {
  const int64_t pad = m.kernel_size[0] / 2;
  const torch::Tensor h = F::conv2d(x.to(torch::kDouble), m.file_A().to(torch::kDouble), F::Conv2dFuncOptions().padding(pad));
  return F::conv2d(h, m.file_B().to(torch::kDouble)) * a.scale(m);
}

}  // namespace

class TestConvLora : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void formats_round_trip_exactly_data() {
    QTest::addColumn<QString>("format");
    for (const char* f : {"peft", "diffusers", "kohya"}) QTest::newRow(f) << f;
  }

  // The file's conv-shaped factors come back bit for bit, and ΔW is unchanged, in every format.
  void formats_round_trip_exactly() {
    QFETCH(QString, format);
    QTemporaryDir tmp;
    const LoraAdapter a = locon_adapter(1);
    const AdapterFormat fmt = *parse_format_name(format.toStdString());
    const std::string first = tmp.path().toStdString() + "/first", second = tmp.path().toStdString() + "/second";
    const SaveResult saved = save_adapter(a, fmt, first);
    SafetensorsReader reader(saved.weights_path);
    int four_d = 0;
    for (const auto& name : reader.names()) four_d += reader.tensor(name).dim() == 4 ? 1 : 0;
    QCOMPARE(four_d, 6);  // down and up of the three conv modules are written as conv weights
    const LoadedAdapter back = load_adapter(first);
    QCOMPARE(back.adapter.modules.size(), a.modules.size());
    for (const auto& m : a.modules) {
      const LoraModule* b = back.adapter.find(m.path);
      QVERIFY2(b, m.path.c_str());
      QCOMPARE(b->kernel_size, m.kernel_size);
      QVERIFY(torch::equal(b->file_A(), m.file_A()));
      QVERIFY(torch::equal(b->file_B(), m.file_B()));
    }
    save_adapter(back.adapter, fmt, second);
    QCOMPARE(test::max_delta_difference(a, load_adapter(second).adapter), 0.0);
  }

  void converts_between_formats() {
    QTemporaryDir tmp;
    const LoraAdapter a = locon_adapter(2);
    std::string from = tmp.path().toStdString() + "/peft";
    save_adapter(a, AdapterFormat::Peft, from);
    for (const char* to : {"kohya", "diffusers", "peft"}) {
      const std::string next = tmp.path().toStdString() + "/" + to + "_out";
      save_adapter(load_adapter(from).adapter, *parse_format_name(to), next);
      from = next;
    }
    QCOMPARE(test::max_delta_difference(a, load_adapter(from).adapter), 0.0);
  }

  // ΔW reshaped to the conv weight equals PEFT's conv ΔW (the down kernel convolved by the 1×1 up kernel), and
  // a convolution with W + ΔW equals the base convolution plus the LoCon branch. A ΔW laid out in the wrong
  // order (kernel before channels) is caught by the same check.
  void delta_is_the_convolution_it_stands_for() {
    const LoraAdapter a = locon_adapter(3);
    torch::manual_seed(7);
    for (const auto& m : a.modules) {
      if (!m.is_conv()) continue;
      const std::vector<int64_t> shape{m.out_features(), m.in_channels(), m.kernel_size[0], m.kernel_size[1]};
      const torch::Tensor delta = delta_weight(a, m, torch::kDouble).reshape(shape);
      const torch::Tensor peft =
          F::conv2d(m.file_A().to(torch::kDouble).permute({1, 0, 2, 3}), m.file_B().to(torch::kDouble)).permute({1, 0, 2, 3}) *
          a.scale(m);
      QVERIFY(torch::allclose(delta, peft, 1e-10, 1e-12));

      const torch::Tensor x = torch::randn({2, m.in_channels(), 9, 9}, torch::kDouble);
      const torch::Tensor W = torch::randn(shape, torch::kDouble);
      const int64_t pad = m.kernel_size[0] / 2;
      const auto opts = F::Conv2dFuncOptions().padding(pad);
      const torch::Tensor expected = F::conv2d(x, W, opts) + locon_branch(x, a, m);
      QVERIFY(torch::allclose(F::conv2d(x, W + delta, opts), expected, 1e-9, 1e-10));
      if (m.kernel_size[0] > 1) {
        const torch::Tensor wrong = delta_weight(a, m, torch::kDouble)
                                        .reshape({m.out_features(), m.kernel_size[0], m.kernel_size[1], m.in_channels()})
                                        .permute({0, 3, 1, 2});
        QVERIFY(!torch::allclose(F::conv2d(x, W + wrong, opts), expected, 1e-6, 1e-6));
      }
    }
  }

  void merge_and_unmerge_a_conv_weight() {
    const LoraAdapter a = locon_adapter(4);
    const LoraModule& m = a.modules[1];
    torch::Tensor W = torch::randn({m.out_features(), m.in_channels(), 3, 3}, torch::kDouble);
    const torch::Tensor original = W.clone();
    merge_into(W, a, m, 0.5);
    QCOMPARE(W.sizes().vec(), original.sizes().vec());
    const torch::Tensor expected = original + 0.5 * delta_weight(a, m, torch::kDouble).reshape(W.sizes());
    QVERIFY(torch::allclose(W, expected, 1e-12, 1e-12));
    unmerge_from(W, a, m, 0.5);
    QVERIFY(torch::allclose(W, original, 1e-12, 1e-12));

    torch::Tensor flat = original.reshape({m.out_features(), -1}).clone();
    QVERIFY(error_of([&] { merge_into(flat, a, m); }).contains("expects a base weight of 6x6x3x3"));
    torch::Tensor other_kernel = torch::zeros({m.out_features(), m.in_channels(), 5, 5});
    QVERIFY(error_of([&] { merge_into(other_kernel, a, m); }).contains("got [6, 6, 5, 5]"));
  }

  void mixing_and_zoo_vectors_keep_the_kernel() {
    const LoraAdapter a = locon_adapter(5), b = locon_adapter(6);
    const LoraAdapter mid = interpolate(a, b, 0.25);
    for (size_t k = 0; k < a.modules.size(); ++k) {
      QCOMPARE(mid.modules[k].kernel_size, a.modules[k].kernel_size);
      const torch::Tensor want = 0.75 * delta_weight(a, a.modules[k], torch::kDouble) +
                                 0.25 * delta_weight(b, b.modules[k], torch::kDouble);
      QVERIFY(torch::allclose(delta_weight(mid, mid.modules[k], torch::kDouble), want, 1e-6, 1e-6));
    }
    const SoupResult soup = delta_soup({&a, &b}, 2);
    QCOMPARE(soup.adapter.modules[0].kernel_size, (std::vector<int64_t>{3, 3}));

    const ZooLayout layout = ZooLayout::from_adapter(a);
    const ZooLayout reread = ZooLayout::from_json(layout.to_json(), "layout.json");
    QCOMPARE(reread.difference(layout), std::string());
    QCOMPARE(layout.to_json()["version"].get<int>(), 2);
    const LoraAdapter back = reread.unflatten(layout.flatten(b));
    QCOMPARE(test::max_delta_difference(b, back), 0.0);
    QCOMPARE(back.modules[0].kernel_size, (std::vector<int64_t>{3, 3}));

    LoraAdapter linear = a;  // the same factors seen as linear layers do not fit the conv layout
    linear.modules[0].kernel_size.clear();
    linear.modules[0].A = linear.modules[0].A.reshape({linear.modules[0].rank(), -1});
    QVERIFY(QString::fromStdString(layout.mismatch(linear)).contains("is linear; the zoo's is a conv LoRA"));
    QVERIFY(!a.layout_difference(linear).empty());
  }

  void linear_layouts_stay_version_one() {
    const LoraAdapter a = test::random_adapter({{"fc", 4, 4, 2}}, 1);
    QCOMPARE(ZooLayout::from_adapter(a).to_json()["version"].get<int>(), 1);
  }

  // A LoRA on Conv2d (3×3 and 1×1) and Linear layers made by peft itself (scripts/make-peft-conv-fixture.py):
  // LoRA Studio reads it, merges it into the base weights as peft's merge_and_unload does, and the merged
  // model's output is peft's.
  void real_peft_conv_adapter_merges_as_peft_does() {
    const std::string dir = test::project_path("tests/data/peft_conv2d");
    const LoadedAdapter loaded = load_adapter(dir);
    QCOMPARE(loaded.format, AdapterFormat::Peft);
    SafetensorsReader ref(dir + "/reference.safetensors");
    std::map<std::string, torch::Tensor> merged;
    for (const auto& m : loaded.adapter.modules) {
      torch::Tensor w = ref.tensor("base." + m.path + ".weight").clone();
      merge_into(w, loaded.adapter, m);
      QVERIFY2(torch::allclose(w, ref.tensor("merged." + m.path + ".weight"), 1e-12, 1e-12), m.path.c_str());
      merged[m.path] = w;
    }
    QCOMPARE(loaded.adapter.find("conv_in")->kernel_size, (std::vector<int64_t>{3, 3}));
    QCOMPARE(loaded.adapter.find("mid")->kernel_size, (std::vector<int64_t>{1, 1}));
    QVERIFY(!loaded.adapter.find("head")->is_conv());
    // The fixture's model: conv_in (3×3, padding 1) → SiLU → mid (1×1) → SiLU → mean over space → head.
    const torch::Tensor x = ref.tensor("input");
    torch::Tensor h = F::silu(F::conv2d(x, merged["conv_in"], F::Conv2dFuncOptions().padding(1).bias(ref.tensor("base.conv_in.bias"))));
    h = F::silu(F::conv2d(h, merged["mid"], F::Conv2dFuncOptions().bias(ref.tensor("base.mid.bias"))));
    const torch::Tensor y = F::linear(h.mean({2, 3}), merged["head"], ref.tensor("base.head.bias"));
    QVERIFY(torch::allclose(y, ref.tensor("output"), 1e-10, 1e-10));
    // Written back as PEFT, the conv factors are the file's, bit for bit.
    QTemporaryDir tmp;
    save_adapter(loaded.adapter, AdapterFormat::Peft, tmp.path().toStdString() + "/again");
    SafetensorsReader original(dir + "/adapter_model.safetensors"), again(tmp.path().toStdString() + "/again/adapter_model.safetensors");
    QCOMPARE(again.names(), original.names());
    for (const auto& name : original.names()) QVERIFY2(torch::equal(again.tensor(name), original.tensor(name)), name.c_str());
  }

  void refused_inputs_data() {
    QTest::addColumn<QVector<qint64>>("down");
    QTest::addColumn<QVector<qint64>>("up");
    QTest::addColumn<QString>("message");
    QTest::newRow("up is not pointwise") << QVector<qint64>{2, 4, 3, 3} << QVector<qint64>{4, 2, 3, 3} << "neither linear";
    QTest::newRow("down 4-D, up 2-D") << QVector<qint64>{2, 4, 3, 3} << QVector<qint64>{4, 2} << "neither linear";
    QTest::newRow("6-D") << QVector<qint64>{2, 4, 1, 1, 1, 1} << QVector<qint64>{4, 2, 1, 1, 1, 1} << "neither linear";
    QTest::newRow("rank mismatch") << QVector<qint64>{2, 4, 3, 3} << QVector<qint64>{4, 3, 1, 1} << "rank mismatch";
  }

  void refused_inputs() {
    QFETCH(QVector<qint64>, down);
    QFETCH(QVector<qint64>, up);
    QFETCH(QString, message);
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/bad.safetensors";
    write_safetensors(file, {{"lora_unet_conv_in.lora_down.weight", torch::randn(std::vector<int64_t>(down.begin(), down.end()))},
                             {"lora_unet_conv_in.lora_up.weight", torch::randn(std::vector<int64_t>(up.begin(), up.end()))}});
    const QString error = error_of([&] { load_adapter(file); });
    QVERIFY2(error.contains(message) && error.contains("bad.safetensors"), qPrintable(error));
  }

  void conv_dora_is_refused() {
    LoraAdapter a = locon_adapter(8);
    a.modules[0].magnitude = torch::ones({a.modules[0].out_features()});
    QTemporaryDir tmp;
    const QString error = error_of([&] { save_adapter(a, AdapterFormat::Peft, tmp.path().toStdString() + "/d"); });
    QVERIFY2(error.contains("DoRA on convolutions is not supported"), qPrintable(error));
  }
};

LORASTUDIO_TEST_MAIN(TestConvLora)
#include "test_conv_lora.moc"
