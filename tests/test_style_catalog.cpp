// The style suite: its size and split, and the properties training relies on, each shown able to fail:
// every style is deterministic, changes the photo, differs from every other style, and is local (a crop of
// the stylized photo is the stylized crop, away from the border); the reference family turns any image
// into its own style. Real photos where fetched; otherwise synthetic images of the same kind.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <set>

#include <torch/torch.h>

#include "core/imaging/image_metrics.h"
#include "core/imaging/style_catalog.h"
#include "core/imaging/style_ops.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fetched_photos.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

namespace {

// A photo-like test image: smooth colour fields, a few hard edges and some fine texture.
torch::Tensor synthetic_photo(uint64_t seed, int64_t h = 96, int64_t w = 128) {
  torch::manual_seed(seed);
  namespace F = torch::nn::functional;
  torch::Tensor low = torch::rand({1, 3, 6, 8});
  torch::Tensor img = F::interpolate(low, F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBicubic).align_corners(false)).squeeze(0);
  img.narrow(1, h / 3, h / 4).narrow(2, w / 5, w / 3).mul_(0.4);
  img.add_(torch::randn({3, h, w}) * 0.03);
  return img.clamp(0, 1);
}

ImageByName synthetic_images() {
  return [](const std::string& name) { return synthetic_photo(std::hash<std::string>{}(name) % 1000); };
}

// The test photo: a fetched held-out photo, else a synthetic one.
torch::Tensor test_photo() {
  std::string why;
  if (auto set = test::fetched_photos(&why)) {
    namespace F = torch::nn::functional;
    return F::interpolate(set->load("leuven").unsqueeze(0),
                          F::InterpolateFuncOptions().size(std::vector<int64_t>{96, 128}).mode(torch::kArea))
        .squeeze(0);
  }
  return synthetic_photo(42);
}

// The first pair of styles whose outputs on `photo` are nearly the same (PSNR above 40 dB), or "".
std::string first_duplicate(const std::vector<Style>& styles, const torch::Tensor& photo) {
  std::vector<torch::Tensor> out;
  for (const auto& s : styles) out.push_back(s.apply(photo));
  for (size_t i = 0; i < styles.size(); ++i)
    for (size_t j = i + 1; j < styles.size(); ++j)
      if (psnr(out[i], out[j]) > 40) return styles[i].name + " and " + styles[j].name;
  return {};
}

// PSNR between the stylized crop and the crop of the stylized image, over the crop's interior.
double locality_psnr(const Style& s, const torch::Tensor& photo) {
  const int64_t y = 4, x = 8, h = 48, w = 64, margin = 8;  // the upper left, where photos differ most from their whole
  const torch::Tensor whole = s.apply(photo).narrow(1, y, h).narrow(2, x, w);
  const torch::Tensor part = s.apply(photo.narrow(1, y, h).narrow(2, x, w).contiguous());
  auto interior = [&](const torch::Tensor& t) { return t.narrow(1, margin, h - 2 * margin).narrow(2, margin, w - 2 * margin); };
  return psnr(interior(part), interior(whole));
}

}  // namespace

class TestStyleCatalog : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    if (!style_ops::available()) QSKIP("this build has no OpenCV: the style suite is not built");
    styles_ = standard_styles(synthetic_images());
    photo_ = test_photo();
  }

  void suite_has_its_size_and_split() {
    int train = 0, held_out = 0, held_out_references = 0;
    std::set<std::string> names, families;
    for (const auto& s : styles_) {
      QVERIFY2(names.insert(s.name).second, s.name.c_str());
      families.insert(style_family_name(s.family));
      QCOMPARE(parse_style_family(style_family_name(s.family)), std::optional<StyleFamily>(s.family));
      (s.held_out ? held_out : train)++;
      if (s.held_out && s.family == StyleFamily::Reference) ++held_out_references;
    }
    QVERIFY2(train >= 32, qPrintable(QString::number(train)));
    QVERIFY(held_out >= 6);
    QVERIFY(held_out_references >= 1);
    QCOMPARE(families.size(), size_t(8));
    QVERIFY(!parse_style_family("cubism"));
  }

  void every_style_is_deterministic_and_changes_the_photo() {
    for (const auto& s : styles_) {
      const torch::Tensor a = s.apply(photo_), b = s.apply(photo_);
      QCOMPARE(a.sizes(), photo_.sizes());
      QVERIFY2(torch::equal(a, b), s.name.c_str());
      QVERIFY2(a.min().item<float>() >= 0 && a.max().item<float>() <= 1, s.name.c_str());
      QVERIFY2(psnr(a, photo_) < 35, s.name.c_str());
    }
  }

  // No two styles give the same picture; a suite with a repeated style is caught.
  void styles_differ_from_each_other() {
    QCOMPARE(first_duplicate(styles_, photo_), std::string());
    std::vector<Style> with_copy = styles_;
    Style copy = styles_[5];
    copy.name = "copy_of_" + copy.name;
    with_copy.push_back(copy);
    QVERIFY(!first_duplicate(with_copy, photo_).empty());
  }

  // Training learns each style from patches: a crop of the stylized photo must be (nearly) the stylized crop.
  // (Crops start at multiples of 4, where the halftone grid falls.) A style that normalises by whole-image
  // statistics (standardising it) fails this check.
  void styles_are_local() {
    for (const auto& s : styles_) {
      const double p = locality_psnr(s, photo_);
      QVERIFY2(p > 30, qPrintable(QString::fromStdString(s.name) + ": " + QString::number(p) + " dB"));
    }
    Style global;  // standardised by the image's own mean and spread
    global.name = "standardised";
    global.apply = [](const torch::Tensor& x) { return ((x - x.mean()) / x.std() * 0.2 + 0.5).clamp(0, 1); };
    QVERIFY(locality_psnr(global, photo_) < 30);
    QVERIFY(locality_psnr(global, photo_) < 24);
  }

  // Any image defines a style; a different image, a different style; its parameters follow the image.
  void references_define_styles() {
    const torch::Tensor dark = synthetic_photo(3) * 0.3, bright = synthetic_photo(4) * 0.3 + 0.7;
    const Style a = reference_style("ref_dark", dark), b = reference_style("ref_bright", bright);
    QCOMPARE(a.family, StyleFamily::Reference);
    QCOMPARE(a.reference, std::string("dark"));
    QVERIFY(psnr(a.apply(photo_), b.apply(photo_)) < 20);
    QVERIFY(reference_style_params(dark).colours.mean[0] + 30 < reference_style_params(bright).colours.mean[0]);
    QVERIFY(torch::equal(a.apply(photo_), reference_style("again", dark).apply(photo_)));
    // The transferred photo takes the reference's brightness.
    QVERIFY(style_ops::lab_stats(a.apply(photo_)).mean[0] < style_ops::lab_stats(b.apply(photo_)).mean[0] - 30);
  }

  // The command line lists the suite and draws it (on the fetched photos).
  void cli_lists_and_draws_the_suite() {
    std::string why;
    if (!test::fetched_photos(&why)) QSKIP(why.c_str());
    const nlohmann::json list = test::cli_json("styles --json");
    QCOMPARE(list.size(), styles_.size());
    int held_out = 0;
    for (const auto& s : list) held_out += s["held_out"].get<bool>() ? 1 : 0;
    QVERIFY(held_out >= 6);
    QTemporaryDir tmp;
    const std::string sheet = tmp.path().toStdString() + "/sheet.ppm";
    const test::CliRun r = test::cli("styles --sheet " + test::q(sheet) + " --photo leuven --size 48 --columns 10");
    QVERIFY2(r.status == 0, r.output.c_str());
    QVERIFY(QFile::exists(QString::fromStdString(sheet)));
  }

 private:
  std::vector<Style> styles_;
  torch::Tensor photo_;
};

LORASTUDIO_TEST_MAIN(TestStyleCatalog)
#include "test_style_catalog.moc"
