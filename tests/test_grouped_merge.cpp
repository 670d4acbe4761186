// grouped_merge_: W_g += s_g·B_g·A_g for a group of matrices. The CPU fallback everywhere; the grouped CUDA
// kernel where the build has it and a GPU is present.
#include <QtTest/QtTest>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "core/cuda/grouped_merge.h"
#include "core/util/error.h"

using namespace lorastudio;

namespace {

struct Case {
  int64_t out, in, rank;
  double scale;
};

struct Group {
  std::vector<torch::Tensor> weights, B, A, expected;  // expected: float64 W + s·B·A
  std::vector<double> scales;
};

Group make_group(const std::vector<Case>& cases, torch::ScalarType dtype, torch::Device device, uint64_t seed) {
  torch::manual_seed(seed);
  Group g;
  for (const auto& c : cases) {
    const torch::Tensor w = torch::randn({c.out, c.in}, torch::kDouble);
    const torch::Tensor b = torch::randn({c.out, c.rank}) * 0.1;
    const torch::Tensor a = torch::randn({c.rank, c.in}) * 0.1;
    g.weights.push_back(w.to(device, dtype));
    g.B.push_back(b.to(device));
    g.A.push_back(a.to(device));
    g.scales.push_back(c.scale);
    g.expected.push_back(g.weights.back().cpu().to(torch::kDouble) +
                         c.scale * b.to(torch::kDouble).mm(a.to(torch::kDouble)));
  }
  return g;
}

// Elementwise |W − expected| ≤ rel·|expected| + abs_tol·max|expected|.
void verify_group(const Group& g, double rel, double abs_tol) {
  for (size_t i = 0; i < g.weights.size(); ++i) {
    const torch::Tensor got = g.weights[i].cpu().to(torch::kDouble);
    const torch::Tensor err = (got - g.expected[i]).abs();
    const double bound_abs = abs_tol * g.expected[i].abs().max().item<double>();
    QVERIFY2((err <= g.expected[i].abs() * rel + bound_abs).all().item<bool>(),
             qPrintable(QString("matrix %1: max error %2").arg(i).arg(err.max().item<double>())));
  }
}

const std::vector<Case> kMixedShapes = {
    {64, 48, 4, 2.0}, {33, 17, 1, -0.5}, {130, 260, 16, 0.25}, {8, 1152, 64, 1.0}, {1, 5, 3, 3.0}};

}  // namespace

class TestGroupedMerge : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void cpuFallbackMatchesReference_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<double>("rel");
    QTest::newRow("float32") << int(torch::kFloat) << 0.0;
    QTest::newRow("float64") << int(torch::kDouble) << 0.0;
    QTest::newRow("bfloat16") << int(torch::kBFloat16) << std::ldexp(1.0, -8);
    QTest::newRow("float16") << int(torch::kHalf) << std::ldexp(1.0, -11);
  }
  void cpuFallbackMatchesReference() {
    QFETCH(int, dtype);
    QFETCH(double, rel);
    const auto type = static_cast<torch::ScalarType>(dtype);
    Group g = make_group(kMixedShapes, type, torch::kCPU, 1);
    const bool used_kernel = grouped_merge_(g.weights, g.B, g.A, g.scales);
    QVERIFY(!used_kernel);  // CPU tensors never take the CUDA kernel
    verify_group(g, rel, type == torch::kDouble ? 1e-14 : 1e-6);
  }

  void fallbackHandlesStridedWeights() {
    // A transposed view (GPT-2 Conv1D layout seen as [out, in]) is merged in place through the view.
    torch::manual_seed(2);
    torch::Tensor storage = torch::randn({20, 12});  // [in, out]
    std::vector<torch::Tensor> w = {storage.t()};    // [out=12, in=20], column stride 12
    const torch::Tensor b = torch::randn({12, 2}), a = torch::randn({2, 20});
    const torch::Tensor expected = storage.t().to(torch::kDouble) + 0.5 * b.to(torch::kDouble).mm(a.to(torch::kDouble));
    grouped_merge_(w, {b}, {a}, {0.5});
    QVERIFY((storage.t().to(torch::kDouble) - expected).abs().max().item<double>() < 1e-5);
  }

  void mismatchedInputsAreErrors() {
    std::vector<torch::Tensor> w = {torch::zeros({4, 6})};
    QVERIFY_THROWS_EXCEPTION(Error, grouped_merge_(w, {torch::zeros({4, 2})}, {torch::zeros({2, 6})}, {}));
    QVERIFY_THROWS_EXCEPTION(Error, grouped_merge_(w, {torch::zeros({4, 2})}, {torch::zeros({3, 6})}, {1.0}));
    QVERIFY_THROWS_EXCEPTION(Error, grouped_merge_(w, {torch::zeros({5, 2})}, {torch::zeros({2, 6})}, {1.0}));
    std::vector<torch::Tensor> none;
    QVERIFY(!grouped_merge_(none, {}, {}, {}));  // an empty group is nothing to do
  }

  void cudaKernelMatchesReference_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<double>("rel");
    QTest::newRow("float32") << int(torch::kFloat) << 0.0;
    QTest::newRow("bfloat16") << int(torch::kBFloat16) << std::ldexp(1.0, -8);
    QTest::newRow("float16") << int(torch::kHalf) << std::ldexp(1.0, -11);
  }
  void cudaKernelMatchesReference() {
    QFETCH(int, dtype);
    QFETCH(double, rel);
    if (!torch::cuda::is_available()) QSKIP("no CUDA device");
    const auto type = static_cast<torch::ScalarType>(dtype);
    Group g = make_group(kMixedShapes, type, torch::kCUDA, 3);
    const bool used_kernel = grouped_merge_(g.weights, g.B, g.A, g.scales);
    QCOMPARE(used_kernel, grouped_merge_kernels_built());
    torch::cuda::synchronize();
    verify_group(g, rel, 1e-6);

    // Row-strided weights (a slice of a wider matrix): the kernel writes only the slice.
    torch::Tensor wide = torch::randn({40, 100}, torch::kDouble).to(torch::kCUDA, type);
    const torch::Tensor before = wide.cpu().to(torch::kDouble);
    std::vector<torch::Tensor> w = {wide.narrow(1, 3, 90)};
    const torch::Tensor b = torch::randn({40, 5}).cuda(), a = torch::randn({5, 90}).cuda();
    QCOMPARE(grouped_merge_(w, {b}, {a}, {0.7}), grouped_merge_kernels_built());
    const torch::Tensor after = wide.cpu().to(torch::kDouble);
    const torch::Tensor expected = before.narrow(1, 3, 90) + 0.7 * b.cpu().to(torch::kDouble).mm(a.cpu().to(torch::kDouble));
    QVERIFY(torch::equal(after.narrow(1, 0, 3), before.narrow(1, 0, 3)));
    QVERIFY(torch::equal(after.narrow(1, 93, 7), before.narrow(1, 93, 7)));
    const torch::Tensor err = (after.narrow(1, 3, 90) - expected).abs();
    QVERIFY((err <= expected.abs() * rel + 1e-5 * expected.abs().max()).all().item<bool>());
  }

  void cudaPixArtGroup() {
    if (!torch::cuda::is_available()) QSKIP("no CUDA device");
    // 224 attention matrices of 1152×1152 in bfloat16, rank 4: one launch.
    std::vector<Case> cases(224, Case{1152, 1152, 4, 2.0});
    Group g = make_group(cases, torch::kBFloat16, torch::kCUDA, 4);
    QCOMPARE(grouped_merge_(g.weights, g.B, g.A, g.scales), grouped_merge_kernels_built());
    torch::cuda::synchronize();
    verify_group(g, std::ldexp(1.0, -8), 1e-6);
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestGroupedMerge)
#include "test_grouped_merge.moc"
