// Mixing adapters: exact interpolation and mixes, the ΔW soup and its reported error, factor averaging.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include "core/math/lora_math.h"
#include "core/math/lora_mixing.h"
#include "core/util/error.h"
#include "tests/support/error_text.h"

using namespace lorastudio;
using lorastudio::test::error_of;

namespace {

struct Shape {
  const char* path;
  int64_t out, in;
};
const Shape kShapes[] = {{"blocks.0.attn.to_q", 24, 20}, {"blocks.0.attn.to_v", 24, 20}, {"blocks.0.ff.proj", 40, 24}};

LoraAdapter random_adapter(int64_t rank, double alpha, uint64_t seed, bool rslora = false) {
  torch::manual_seed(seed);
  LoraAdapter a;
  a.use_rslora = rslora;
  for (const auto& s : kShapes) {
    LoraModule m;
    m.path = s.path;
    m.component = "transformer";
    m.A = torch::randn({rank, s.in}) * 0.5;
    m.B = torch::randn({s.out, rank}) * 0.5;
    m.alpha = alpha;
    a.modules.push_back(m);
  }
  return a;
}

torch::Tensor delta64(const LoraAdapter& a, size_t k) { return delta_weight(a, a.modules[k], torch::kDouble); }
double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }
double fro(const torch::Tensor& t) { return t.norm().item<double>(); }

}  // namespace

class TestLoraMixing : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void interpolateIsExact_data() {
    QTest::addColumn<double>("lambda");
    for (double l : {0.0, 0.25, 0.5, 0.9, 1.0, -0.5, 1.5}) QTest::newRow(qPrintable(QString::number(l))) << l;
  }
  void interpolateIsExact() {
    QFETCH(double, lambda);
    const LoraAdapter a = random_adapter(4, 8.0, 11);
    const LoraAdapter b = random_adapter(2, 3.0, 12, /*rslora=*/true);
    const LoraAdapter mixed = interpolate(a, b, lambda);
    QVERIFY(!mixed.use_rslora);
    QCOMPARE(mixed.modules.size(), a.modules.size());
    for (size_t k = 0; k < a.modules.size(); ++k) {
      const auto& m = mixed.modules[k];
      QCOMPARE(m.rank(), int64_t(6));
      QCOMPARE(m.alpha, 6.0);
      QCOMPARE(mixed.scale(m), 1.0);
      QCOMPARE(m.path, a.modules[k].path);
      QCOMPARE(m.component, a.modules[k].component);
      const torch::Tensor expected = (1 - lambda) * delta64(a, k) + lambda * delta64(b, k);
      const double err = max_abs(delta64(mixed, k) - expected);
      const double ref = std::max(max_abs(delta64(a, k)), max_abs(delta64(b, k)));
      QVERIFY2(err <= 1e-6 * ref, qPrintable(QString("module %1: error %2").arg(k).arg(err)));
    }
  }

  void mixManyIsExact() {
    const LoraAdapter a = random_adapter(4, 4.0, 21), b = random_adapter(3, 1.0, 22), c = random_adapter(5, 10.0, 23, true);
    const std::vector<double> w = {0.2, -1.0, 2.5};
    const LoraAdapter m = mix({&a, &b, &c}, w);
    for (size_t k = 0; k < a.modules.size(); ++k) {
      QCOMPARE(m.modules[k].rank(), int64_t(12));
      const torch::Tensor expected = w[0] * delta64(a, k) + w[1] * delta64(b, k) + w[2] * delta64(c, k);
      QVERIFY(max_abs(delta64(m, k) - expected) <= 1e-6 * max_abs(expected));
    }
    QVERIFY(!error_of([&] { mix({&a, &b}, {1.0}); }).isEmpty());
  }

  void deltaSoupExactAtFullRank() {
    const LoraAdapter a = random_adapter(2, 2.0, 31), b = random_adapter(2, 4.0, 32), c = random_adapter(2, 8.0, 33);
    for (int64_t rank : {int64_t(0), int64_t(6), int64_t(9)}) {
      const SoupResult soup = delta_soup({&a, &b, &c}, rank);
      QVERIFY2(soup.relative_error <= 1e-7, qPrintable(QString("rank %1: %2").arg(rank).arg(soup.relative_error)));
      QCOMPARE(soup.errors.size(), a.modules.size());
      for (size_t k = 0; k < a.modules.size(); ++k) {
        QCOMPARE(soup.adapter.modules[k].rank(), rank <= 0 ? int64_t(6) : rank);
        QCOMPARE(soup.errors[k].module, QString("transformer:%1").arg(kShapes[k].path).toStdString());
        const torch::Tensor mean = (delta64(a, k) + delta64(b, k) + delta64(c, k)) / 3.0;
        QVERIFY(max_abs(delta64(soup.adapter, k) - mean) <= 1e-5 * max_abs(mean));
        QVERIFY(soup.errors[k].relative_error <= 1e-7);
      }
    }
  }

  void deltaSoupErrorIsTheEckartYoungTail() {
    const LoraAdapter a = random_adapter(4, 4.0, 41), b = random_adapter(4, 4.0, 42), c = random_adapter(4, 4.0, 43);
    const int64_t rank = 3;
    const SoupResult soup = delta_soup({&a, &b, &c}, rank);
    double tail2_total = 0, norm2_total = 0;
    for (size_t k = 0; k < a.modules.size(); ++k) {
      const torch::Tensor mean = (delta64(a, k) + delta64(b, k) + delta64(c, k)) / 3.0;
      const torch::Tensor sigma = at::linalg_svdvals(mean);  // dense float64 reference
      const double tail = sigma.slice(0, rank).square().sum().sqrt().item<double>();
      const double norm = fro(mean);
      tail2_total += tail * tail;
      norm2_total += norm * norm;
      QCOMPARE(soup.adapter.modules[k].rank(), rank);
      QVERIFY2(std::abs(soup.errors[k].absolute_error - tail) <= 1e-9 * norm,
               qPrintable(QString("reported %1, dense SVD tail %2").arg(soup.errors[k].absolute_error).arg(tail)));
      QVERIFY(std::abs(soup.errors[k].relative_error - tail / norm) <= 1e-9);
      // The adapter really is the best rank-3 approximation: its true error is that tail.
      const double actual = fro(delta64(soup.adapter, k) - mean);
      QVERIFY2(std::abs(actual - tail) <= 1e-5 * norm, qPrintable(QString("actual %1 vs tail %2").arg(actual).arg(tail)));
      QVERIFY(tail > 1e-3 * norm);  // a real truncation, not a trivial case
    }
    QVERIFY(std::abs(soup.relative_error - std::sqrt(tail2_total / norm2_total)) <= 1e-9);
  }

  void deltaSoupWeightsAreNormalised() {
    const LoraAdapter a = random_adapter(2, 2.0, 51), b = random_adapter(3, 2.0, 52);
    const SoupResult soup = delta_soup({&a, &b}, 0, {1.0, 3.0});
    for (size_t k = 0; k < a.modules.size(); ++k) {
      const torch::Tensor expected = 0.25 * delta64(a, k) + 0.75 * delta64(b, k);
      QVERIFY(max_abs(delta64(soup.adapter, k) - expected) <= 1e-6 * max_abs(expected));
    }
    QVERIFY(error_of([&] { delta_soup({&a, &b}, 2, {1.0, -1.0}); }).contains("sum to 0"));
  }

  void factorAverageIsNotTheDeltaMean() {
    // a: ΔW = e₁e₁ᵀ, b: ΔW = e₂e₂ᵀ. Mean ΔW = diag(½, ½); averaged factors give ¼ everywhere.
    LoraAdapter a, b;
    LoraModule m;
    m.path = "proj";
    m.alpha = 1.0;
    m.B = torch::tensor({1.0f, 0.0f}).view({2, 1});
    m.A = torch::tensor({1.0f, 0.0f}).view({1, 2});
    a.modules.push_back(m);
    m.B = torch::tensor({0.0f, 1.0f}).view({2, 1});
    m.A = torch::tensor({0.0f, 1.0f}).view({1, 2});
    b.modules.push_back(m);
    const LoraAdapter avg = factor_average({&a, &b});
    QCOMPARE(avg.modules[0].rank(), int64_t(1));
    QCOMPARE(avg.modules[0].alpha, 1.0);
    QVERIFY(torch::allclose(delta64(avg, 0), torch::full({2, 2}, 0.25, torch::kDouble)));
    const SoupResult soup = delta_soup({&a, &b}, 0);
    QVERIFY(torch::allclose(delta64(soup.adapter, 0), torch::eye(2, torch::kDouble) * 0.5));

    const LoraAdapter r2 = random_adapter(2, 2.0, 61), r3 = random_adapter(3, 2.0, 62);
    QVERIFY(error_of([&] { factor_average({&r2, &r3}); }).contains("equal ranks"));
    const LoraAdapter r2b = random_adapter(2, 5.0, 63);
    QVERIFY(error_of([&] { factor_average({&r2, &r2b}); }).contains("alpha"));
    const LoraAdapter same = factor_average({&r2, &r2});
    QVERIFY(torch::allclose(delta64(same, 1), delta64(r2, 1)));
  }

  void layoutMismatchNamesTheDifference() {
    const LoraAdapter a = random_adapter(2, 2.0, 71);
    LoraAdapter fewer = a;
    fewer.modules.pop_back();
    QString e = error_of([&] { interpolate(a, fewer, 0.5); });
    QVERIFY2(e.contains("module count differs"), qPrintable(e));

    LoraAdapter renamed = a;
    renamed.modules[1].path = "blocks.0.attn.to_k";
    e = error_of([&] { mix({&a, &renamed}, {1, 1}); });
    QVERIFY2(e.contains("blocks.0.attn.to_k") && e.contains("blocks.0.attn.to_v"), qPrintable(e));

    LoraAdapter reshaped = a;
    reshaped.modules[2].A = torch::randn({2, 30});
    e = error_of([&] { delta_soup({&a, &reshaped}, 2); });
    QVERIFY2(e.contains("blocks.0.ff.proj") && e.contains("40x30"), qPrintable(e));

    LoraAdapter dora = a;
    dora.modules[0].magnitude = torch::ones({24});
    e = error_of([&] { interpolate(a, dora, 0.5); });
    QVERIFY2(e.contains("DoRA"), qPrintable(e));
    e = error_of([&] { factor_average({&dora, &a}); });
    QVERIFY2(e.contains("DoRA"), qPrintable(e));
  }
};

#include "tests/support/error_text.h"
#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestLoraMixing)
#include "test_lora_mixing.moc"
