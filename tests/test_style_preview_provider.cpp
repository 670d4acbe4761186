// The style world's preview provider (core/style/style_preview_provider.h): the λ mix it renders is the exact
// (1−λ)·ΔW_a + λ·ΔW_b (checked against the stylizer run with the rank-stacked interpolate(), and against a
// deliberately wrong factor average, which it must not match), λ beyond [0, 1] extrapolates, drafts are smaller
// than full previews, a new adapter pair is picked up (no stale ΔW cache), and captions give the PSNR against
// the true style named by an adapter's provenance.
#include <QtTest/QtTest>

#include <torch/torch.h>

#include "core/math/lora_mixing.h"
#include "core/style/style_preview_provider.h"
#include "core/style/stylizer_lora.h"
#include "core/util/error.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

namespace {

struct Fixture {
  Stylizer stylizer{StylizerConfig{8, 1}};
  std::shared_ptr<const LoraAdapter> a, b;
  torch::Tensor photo = torch::rand({3, 40, 64});

  Fixture() {
    torch::manual_seed(3);
    for (int k = 0; k < 2; ++k) {
      LoraAdapter adapter = new_style_lora(stylizer, {4, 4, {}}, 10 + k);
      for (auto& m : adapter.modules) m.B = torch::randn_like(m.B) * 0.05;  // ΔW ≠ 0
      (k == 0 ? a : b) = std::make_shared<const LoraAdapter>(std::move(adapter));
    }
  }
  StylePreviewProvider provider(StylePreviewProvider::TruthLookup truths = {}) {
    return StylePreviewProvider(stylizer, {{"photo", photo}}, std::move(truths), 32, 64);
  }
};

torch::Tensor pixels(const PreviewImage& image) {
  return torch::from_blob(const_cast<uint8_t*>(image.rgb->data()), {image.height, image.width, 3}, torch::kUInt8)
      .permute({2, 0, 1})
      .to(torch::kFloat32)
      .div(255);
}

double max_difference(const PreviewImage& image, const torch::Tensor& expected) {
  return (pixels(image) - expected).abs().max().item<double>();
}

}  // namespace

class TestStylePreviewProvider : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void renders_the_exact_mix_data() {
    QTest::addColumn<double>("lambda");
    QTest::newRow("A") << 0.0;
    QTest::newRow("B") << 1.0;
    QTest::newRow("between") << 0.3;
    QTest::newRow("beyond B") << 1.25;
    QTest::newRow("before A") << -0.25;
  }
  void renders_the_exact_mix() {
    QFETCH(double, lambda);
    Fixture f;
    auto provider = f.provider();
    const PreviewImage image = provider.render(f.a, f.b, lambda, 0, PreviewQuality::Full);
    QCOMPARE(image.width, 64);
    QCOMPARE(image.height, 40);
    const LoraAdapter exact = interpolate(*f.a, *f.b, lambda);
    const torch::Tensor expected = stylize(f.stylizer, f.photo, &exact);
    QVERIFY2(max_difference(image, expected) <= 1.0 / 255 + 1e-6, qPrintable(QString::number(max_difference(image, expected))));
    if (lambda > 0 && lambda < 1) {  // a wrong mix (factors averaged) is told apart
      LoraAdapter wrong = *f.a;
      for (size_t i = 0; i < wrong.modules.size(); ++i) {
        wrong.modules[i].A = f.a->modules[i].A * (1 - lambda) + f.b->modules[i].A * lambda;
        wrong.modules[i].B = f.a->modules[i].B * (1 - lambda) + f.b->modules[i].B * lambda;
      }
      QVERIFY(max_difference(image, stylize(f.stylizer, f.photo, &wrong)) > 3.0 / 255);
    }
  }

  void drafts_are_smaller_and_pairs_are_not_stale() {
    Fixture f;
    auto provider = f.provider();
    const PreviewImage draft = provider.render(f.a, f.b, 0.0, 0, PreviewQuality::Draft);
    QCOMPARE(std::max(draft.width, draft.height), 32);
    // The same λ with the ends swapped must show B, not the cached A.
    const PreviewImage swapped = provider.render(f.b, f.a, 0.0, 0, PreviewQuality::Full);
    QVERIFY(max_difference(swapped, stylize(f.stylizer, f.photo, f.b.get())) <= 1.0 / 255 + 1e-6);
    QVERIFY(max_difference(swapped, stylize(f.stylizer, f.photo, f.a.get())) > 3.0 / 255);
  }

  void captions_name_the_true_styles() {
    Fixture f;
    auto named = std::make_shared<LoraAdapter>(*f.a);
    named->provenance["condition_name"] = "gray";
    Style gray;
    gray.name = "gray";
    gray.apply = [](const torch::Tensor& x) { return x.mean(0, true).expand_as(x).clone(); };
    auto provider = f.provider([gray](const std::string& name) -> std::optional<Style> {
      if (name == "gray") return gray;
      return std::nullopt;
    });
    const PreviewImage image = provider.render(named, f.b, 0.5, 0, PreviewQuality::Full);
    QVERIFY2(image.caption.find("λ = 0.50") == 0, image.caption.c_str());
    QVERIFY2(image.caption.find("dB to true gray") != std::string::npos, image.caption.c_str());
    const PreviewImage plain = provider.render(f.a, f.b, 0.5, 0, PreviewQuality::Full);
    QVERIFY2(plain.caption.find("dB") == std::string::npos, plain.caption.c_str());
  }

  void bad_requests_are_errors() {
    Fixture f;
    auto provider = f.provider();
    QVERIFY_THROWS_EXCEPTION(Error, provider.render(f.a, f.b, 0.5, 1, PreviewQuality::Full));
    QVERIFY_THROWS_EXCEPTION(Error, provider.render(f.a, nullptr, 0.5, 0, PreviewQuality::Full));
    QVERIFY_THROWS_EXCEPTION(Error, provider.render(f.a, f.b, std::nan(""), 0, PreviewQuality::Full));
  }
};

LORASTUDIO_TEST_MAIN(TestStylePreviewProvider)
#include "test_style_preview_provider.moc"
