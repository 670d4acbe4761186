// Exact LoRA arithmetic on one module: ΔW, merge/unmerge (plain, fan_in_fan_out, DoRA), scaling.
#include <QtTest/QtTest>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "core/math/lora_math.h"
#include "core/util/error.h"

using namespace lorastudio;

namespace {

LoraModule random_module(int64_t out, int64_t in, int64_t r, double alpha, uint64_t seed) {
  torch::manual_seed(seed);
  LoraModule m;
  m.path = "layer.0.proj";
  m.A = torch::randn({r, in}) * 0.3;
  m.B = torch::randn({out, r}) * 0.2;
  m.alpha = alpha;
  return m;
}

LoraAdapter adapter_of(LoraModule m, bool rslora = false, bool fan_in_fan_out = false) {
  LoraAdapter a;
  a.use_rslora = rslora;
  a.fan_in_fan_out = fan_in_fan_out;
  a.modules.push_back(std::move(m));
  return a;
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

// s·B·A in float64, [out, in].
torch::Tensor reference_delta(const LoraModule& m, double scale) {
  return m.B.to(torch::kDouble).mm(m.A.to(torch::kDouble)) * scale;
}

}  // namespace

class TestLoraMath : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void deltaWeightMatchesFloat64() {
    const LoraAdapter a = adapter_of(random_module(48, 40, 4, 8.0, 1));
    const auto& m = a.modules[0];
    QCOMPARE(a.scale(m), 2.0);
    const torch::Tensor ref = reference_delta(m, 2.0);
    const torch::Tensor d32 = delta_weight(a, m);
    QCOMPARE(d32.scalar_type(), torch::kFloat);
    QCOMPARE(d32.sizes().vec(), (std::vector<int64_t>{48, 40}));
    QVERIFY(max_abs(d32.to(torch::kDouble) - ref) <= 1e-6 * max_abs(ref));
    const torch::Tensor d64 = delta_weight(a, m, torch::kDouble);
    QCOMPARE(d64.scalar_type(), torch::kDouble);
    QVERIFY(max_abs(d64 - ref) <= 1e-14 * max_abs(ref));
    QCOMPARE(delta_weight(a, m, torch::kBFloat16).scalar_type(), torch::kBFloat16);
  }

  void rsloraScale() {
    const LoraAdapter a = adapter_of(random_module(16, 12, 9, 6.0, 2), /*rslora=*/true);
    const auto& m = a.modules[0];
    QCOMPARE(a.scale(m), 2.0);  // 6 / sqrt(9)
    const torch::Tensor ref = reference_delta(m, 2.0);
    QVERIFY(max_abs(delta_weight(a, m, torch::kDouble) - ref) <= 1e-14 * max_abs(ref));
  }

  void mergeUnmergeRoundTrip_data() {
    QTest::addColumn<int>("dtype");
    // Elementwise |W' − (W + ΔW)| ≤ rel·|W + ΔW| + abs·max|W + ΔW| (abs: the accumulation's own rounding).
    QTest::addColumn<double>("mergeTolerance");
    QTest::addColumn<double>("absoluteTolerance");
    QTest::addColumn<double>("roundTripTolerance");  // |unmerge(merge(W)) − W| ≤ tol·max|W|
    QTest::newRow("float32") << int(torch::kFloat) << 1e-6 << 1e-6 << 1e-6;
    QTest::newRow("float64") << int(torch::kDouble) << 1e-14 << 1e-14 << 1e-14;
    // fp32 accumulation then one rounding: within half a bf16/fp16 ulp of the exact value.
    QTest::newRow("bfloat16") << int(torch::kBFloat16) << std::ldexp(1.0, -8) << 1e-6 << std::ldexp(1.0, -7);
    QTest::newRow("float16") << int(torch::kHalf) << std::ldexp(1.0, -11) << 1e-6 << std::ldexp(1.0, -10);
  }
  void mergeUnmergeRoundTrip() {
    QFETCH(int, dtype);
    QFETCH(double, mergeTolerance);
    QFETCH(double, absoluteTolerance);
    QFETCH(double, roundTripTolerance);
    const auto type = static_cast<torch::ScalarType>(dtype);
    const LoraAdapter a = adapter_of(random_module(64, 48, 8, 16.0, 3));
    const auto& m = a.modules[0];
    torch::manual_seed(30);
    torch::Tensor w = torch::randn({64, 48}, torch::kDouble).to(type);
    const torch::Tensor original = w.clone();
    const torch::Tensor expected = original.to(torch::kDouble) + reference_delta(m, a.scale(m));

    const MergeRecord record = merge_into(w, a, m);
    QVERIFY(!record.dora_weight_norm.defined());
    QCOMPARE(w.scalar_type(), type);
    const torch::Tensor err = (w.to(torch::kDouble) - expected).abs();
    QVERIFY2((err <= expected.abs() * mergeTolerance + absoluteTolerance * max_abs(expected)).all().item<bool>(),
             qPrintable(QString("max merge error %1").arg(max_abs(err))));

    unmerge_from(w, a, m);
    const double rt = max_abs(w.to(torch::kDouble) - original.to(torch::kDouble));
    const double bound = roundTripTolerance * std::max(max_abs(original.to(torch::kDouble)), max_abs(expected));
    QVERIFY2(rt <= bound, qPrintable(QString("round trip error %1 > %2").arg(rt).arg(bound)));
  }

  void mergeMultiplier() {
    const LoraAdapter a = adapter_of(random_module(20, 24, 3, 3.0, 4));
    const auto& m = a.modules[0];
    torch::Tensor w = torch::randn({20, 24}, torch::kDouble);
    const torch::Tensor expected = w + 0.3 * reference_delta(m, 1.0);
    merge_into(w, a, m, 0.3);
    QVERIFY(max_abs(w - expected) <= 1e-13);
  }

  void fanInFanOut() {
    const LoraAdapter a = adapter_of(random_module(24, 16, 2, 4.0, 5), false, /*fan_in_fan_out=*/true);
    const auto& m = a.modules[0];
    torch::Tensor w = torch::randn({16, 24}, torch::kDouble);  // Conv1D layout [in, out]
    const torch::Tensor original = w.clone();
    merge_into(w, a, m);
    QVERIFY(max_abs(w - (original + reference_delta(m, 2.0).t())) <= 1e-13);
    unmerge_from(w, a, m);
    QVERIFY(max_abs(w - original) <= 1e-13);

    torch::Tensor wrong = torch::zeros({24, 16});
    try {
      merge_into(wrong, a, m);
      QFAIL("merging into a [out, in] weight with fan_in_fan_out must fail");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("layer.0.proj") && QString(e.what()).contains("fan_in_fan_out"), e.what());
    }
  }

  void doraMergeMatchesReference_data() {
    QTest::addColumn<bool>("fanInFanOut");
    QTest::addColumn<int>("dtype");
    QTest::newRow("[out,in] float32") << false << int(torch::kFloat);
    QTest::newRow("[out,in] float64") << false << int(torch::kDouble);
    QTest::newRow("[in,out] float32") << true << int(torch::kFloat);
  }
  void doraMergeMatchesReference() {
    QFETCH(bool, fanInFanOut);
    QFETCH(int, dtype);
    const auto type = static_cast<torch::ScalarType>(dtype);
    const double tol = type == torch::kDouble ? 1e-13 : 2e-6;
    LoraModule mod = random_module(32, 20, 4, 8.0, 6);
    torch::manual_seed(60);
    mod.magnitude = torch::rand({32}) + 0.5;
    const LoraAdapter a = adapter_of(mod, false, fanInFanOut);
    const auto& m = a.modules[0];
    const torch::Tensor w_out_in = torch::randn({32, 20}, torch::kDouble);
    torch::Tensor w = (fanInFanOut ? w_out_in.t().contiguous() : w_out_in).to(type);
    const torch::Tensor original = w.clone();

    // Hand-computed float64: V = W + sBA; W' = m / ||V||_row · V (rows = output features).
    const torch::Tensor W0 = original.to(torch::kDouble);
    const torch::Tensor Vo = (fanInFanOut ? W0.t() : W0) + reference_delta(m, a.scale(m));
    const torch::Tensor norm = Vo.square().sum(1).sqrt();
    torch::Tensor expected = Vo * (m.magnitude.to(torch::kDouble) / norm).view({-1, 1});
    if (fanInFanOut) expected = expected.t();

    const MergeRecord record = merge_into(w, a, m);
    QVERIFY(record.dora_weight_norm.defined());
    QVERIFY(max_abs(record.dora_weight_norm.to(torch::kDouble) - norm) <= tol * max_abs(norm));
    QVERIFY2(max_abs(w.to(torch::kDouble) - expected) <= tol * max_abs(expected),
             qPrintable(QString("DoRA merge error %1").arg(max_abs(w.to(torch::kDouble) - expected))));
    // The merged rows have exactly the magnitudes m.
    const torch::Tensor merged_norm = (fanInFanOut ? w.t() : w).to(torch::kDouble).square().sum(1).sqrt();
    QVERIFY(max_abs(merged_norm - m.magnitude.to(torch::kDouble)) <= tol * 10);

    torch::Tensor w2 = w.clone();
    try {
      unmerge_from(w2, a, m);
      QFAIL("DoRA unmerge without the record must fail");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("MergeRecord"), e.what());
    }
    unmerge_from(w, a, m, 1.0, record);
    QVERIFY2(max_abs(w.to(torch::kDouble) - original.to(torch::kDouble)) <= tol * 10 * max_abs(original.to(torch::kDouble)),
             qPrintable(QString("DoRA round trip %1").arg(max_abs(w.to(torch::kDouble) - original.to(torch::kDouble)))));
  }

  void scaledMultipliesEveryDelta() {
    LoraAdapter a = adapter_of(random_module(10, 12, 2, 4.0, 7));
    a.modules.push_back(random_module(6, 8, 3, 1.5, 8));
    a.modules[1].path = "layer.1.proj";
    const LoraAdapter half = scaled(a, -0.5);
    QCOMPARE(half.modules.size(), a.modules.size());
    for (size_t i = 0; i < a.modules.size(); ++i) {
      QCOMPARE(half.modules[i].alpha, a.modules[i].alpha);
      QCOMPARE(half.modules[i].rank(), a.modules[i].rank());
      QVERIFY(torch::equal(half.modules[i].A, a.modules[i].A));
      const torch::Tensor d = delta_weight(a, a.modules[i], torch::kDouble);
      QVERIFY(max_abs(delta_weight(half, half.modules[i], torch::kDouble) + 0.5 * d) <= 1e-7 * max_abs(d));
    }
    // The original is untouched.
    QVERIFY(max_abs(delta_weight(a, a.modules[0], torch::kDouble) - reference_delta(a.modules[0], 2.0)) <= 1e-12);
  }

  // On CUDA merge_into runs the grouped kernel (or addmm_): same results and rounding as the CPU reference.
  void cudaMergeMatchesReference_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<bool>("fanInFanOut");
    QTest::addColumn<double>("rel");
    QTest::newRow("float32") << int(torch::kFloat) << false << 0.0;
    QTest::newRow("bfloat16") << int(torch::kBFloat16) << false << std::ldexp(1.0, -8);
    QTest::newRow("float16 fan_in_fan_out") << int(torch::kHalf) << true << std::ldexp(1.0, -11);
    QTest::newRow("float64") << int(torch::kDouble) << false << 0.0;
  }
  void cudaMergeMatchesReference() {
    QFETCH(int, dtype);
    QFETCH(bool, fanInFanOut);
    QFETCH(double, rel);
    if (!torch::cuda::is_available()) QSKIP("no CUDA device");
    const auto type = static_cast<torch::ScalarType>(dtype);
    LoraModule mod = random_module(72, 36, 5, 10.0, 10);
    mod.A = mod.A.cuda();
    mod.B = mod.B.cuda();
    const LoraAdapter a = adapter_of(mod, false, fanInFanOut);
    const auto& m = a.modules[0];
    torch::manual_seed(100);
    const torch::Tensor w0 = torch::randn(fanInFanOut ? std::vector<int64_t>{36, 72} : std::vector<int64_t>{72, 36},
                                          torch::kDouble).to(type);
    torch::Tensor w = w0.cuda();
    const torch::Tensor d = reference_delta(LoraModule{"", "", m.A.cpu(), m.B.cpu(), m.alpha, {}}, a.scale(m));
    const torch::Tensor expected = w0.to(torch::kDouble) + (fanInFanOut ? d.t() : d);
    merge_into(w, a, m);
    QVERIFY(w.is_cuda());
    const torch::Tensor err = (w.cpu().to(torch::kDouble) - expected).abs();
    QVERIFY2((err <= expected.abs() * rel + 1e-6 * max_abs(expected)).all().item<bool>(),
             qPrintable(QString("max error %1").arg(max_abs(err))));
    unmerge_from(w, a, m);
    QVERIFY(max_abs(w.cpu().to(torch::kDouble) - w0.to(torch::kDouble)) <= 2 * std::max(rel, 1e-6) * max_abs(expected));
  }

  void wrongShapeIsAnError() {
    const LoraAdapter a = adapter_of(random_module(8, 6, 2, 2.0, 9));
    torch::Tensor w = torch::zeros({8, 7});
    QVERIFY_THROWS_EXCEPTION(Error, merge_into(w, a, a.modules[0]));
    torch::Tensor ints = torch::zeros({8, 6}, torch::kInt);
    QVERIFY_THROWS_EXCEPTION(Error, merge_into(ints, a, a.modules[0]));
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestLoraMath)
#include "test_lora_math.moc"
