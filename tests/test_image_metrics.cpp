// PSNR, SSIM and the sliced Wasserstein distance of patch distributions: exact values where they have a closed
// form, and orderings a good measure must give (each with the variant it must rank worse).
#include <QtTest/QtTest>

#include <cmath>

#include <torch/torch.h>

#include "core/imaging/image_metrics.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

namespace {

torch::Tensor smooth_image(uint64_t seed, int64_t h = 64, int64_t w = 64) {
  torch::manual_seed(seed);
  namespace F = torch::nn::functional;
  const torch::Tensor low = torch::rand({1, 3, 6, 6});
  return F::interpolate(low, F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBicubic).align_corners(false))
      .squeeze(0)
      .clamp(0, 1);
}

std::vector<torch::Tensor> image_set(uint64_t seed, int n = 4) {
  std::vector<torch::Tensor> out;
  for (int i = 0; i < n; ++i) out.push_back(smooth_image(seed + i));
  return out;
}

}  // namespace

class TestImageMetrics : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void psnr_of_a_known_error() {
    const torch::Tensor a = torch::full({3, 8, 8}, 0.5, torch::kDouble), b = torch::full({3, 8, 8}, 0.6, torch::kDouble);
    QVERIFY(std::abs(psnr(a, b) - 20.0) < 1e-6);  // MSE 0.01
    QVERIFY(std::isinf(psnr(a, a)));
  }

  // Constant images have no variance: SSIM = (2ab + C1) / (a² + b² + C1).
  void ssim_closed_form_data() {
    QTest::addColumn<double>("a");
    QTest::addColumn<double>("b");
    QTest::newRow("equal") << 0.4 << 0.4;
    QTest::newRow("brighter") << 0.4 << 0.6;
    QTest::newRow("black and white") << 0.0 << 1.0;
  }
  void ssim_closed_form() {
    QFETCH(double, a);
    QFETCH(double, b);
    const double c1 = 1e-4;
    const double expected = (2 * a * b + c1) / (a * a + b * b + c1);
    const double got = ssim(torch::full({3, 16, 16}, a, torch::kDouble), torch::full({3, 16, 16}, b, torch::kDouble));
    QVERIFY2(std::abs(got - expected) < 1e-9, qPrintable(QString("%1 vs %2").arg(got).arg(expected)));
  }

  // Noise lowers SSIM more as it grows; scrambling the structure lowers it far more than a small brightness change
  // with the same PSNR cost would.
  void ssim_orders_damage() {
    const torch::Tensor x = smooth_image(1);
    QVERIFY(std::abs(ssim(x, x) - 1.0) < 1e-12);
    torch::manual_seed(3);
    const torch::Tensor noise = torch::randn(x.sizes());
    const double light = ssim(x + 0.02 * noise, x), heavy = ssim(x + 0.1 * noise, x);
    QVERIFY(light > heavy);
    const torch::Tensor scrambled = x.flatten(1).index_select(1, torch::randperm(x.size(1) * x.size(2))).view(x.sizes());
    QVERIFY(ssim(scrambled, x) < 0.3);
    QVERIFY(ssim(x + 0.03, x) > 0.9);
    QVERIFY_THROWS_EXCEPTION(std::exception, ssim(torch::zeros({3, 8, 8}), torch::zeros({3, 8, 8})));
  }

  // Images of the same kind are closer than the same images with added grain or darkened;
  // the distance hardly depends on the order of the images (only the random draws change).
  void sliced_wasserstein_orders_sets() {
    const std::vector<torch::Tensor> a = image_set(10, 6), same_kind = image_set(40, 6);
    std::vector<torch::Tensor> darker;
    for (const auto& im : same_kind) darker.push_back(im.pow(3));
    std::vector<torch::Tensor> with_texture;
    torch::manual_seed(5);
    for (const auto& im : same_kind) with_texture.push_back((im + 0.15 * torch::randn(im.sizes())).clamp(0, 1));
    const double d_same = sliced_wasserstein(a, same_kind), d_texture = sliced_wasserstein(a, with_texture);
    const double d_darker = sliced_wasserstein(a, darker);
    QVERIFY2(2 * d_same < d_texture, qPrintable(QString("%1 %2").arg(d_same).arg(d_texture)));
    QVERIFY2(2 * d_same < d_darker, qPrintable(QString("%1 %2").arg(d_same).arg(d_darker)));
    QVERIFY(sliced_wasserstein(a, a) < d_same);
    std::vector<torch::Tensor> reversed(a.rbegin(), a.rend());
    QVERIFY(std::abs(sliced_wasserstein(reversed, same_kind) - d_same) < 0.35 * d_same);
    QVERIFY_THROWS_EXCEPTION(std::exception, sliced_wasserstein({}, a));
    QVERIFY_THROWS_EXCEPTION(std::exception, sliced_wasserstein({torch::zeros({3, 8, 8})}, a));
  }
};

LORASTUDIO_TEST_MAIN(TestImageMetrics)
#include "test_image_metrics.moc"
