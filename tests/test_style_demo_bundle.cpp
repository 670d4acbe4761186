// The shipped style demo (models/demo/style-procedural, written by `recipe run models/recipes/style-procedural.json
// --install …`): it loads with today's code, holds every style of the suite with its condition images, stays a few
// MB, and reproduces its recorded check figures within 0.05 dB, with its stored true outputs equal to what the style
// functions give today. A stale bundle (code or assets changed since it was made) fails here. Also: `generate
// --demo style-procedural … --preview` out of the box, with no photos fetched.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>

#include "core/imaging/image_io.h"
#include "core/imaging/image_metrics.h"
#include "core/imaging/style_ops.h"
#include "core/style/style_demo.h"
#include "core/style/style_preview_provider.h"
#include "core/util/file_tree.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
namespace fs = std::filesystem;

namespace {

constexpr double kToleranceDb = 0.05;  // CPU float arithmetic may differ in the last bits between machines

std::string bundle_dir() { return test::project_path("models/demo/style-procedural"); }

}  // namespace

class TestStyleDemoBundle : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void loads_with_every_style() {
    const StyleDemo demo = StyleDemo::load(bundle_dir());
    QCOMPARE(demo.name, std::string("style-procedural"));
    size_t held_out = 0;
    for (const auto& s : demo.styles) {
      held_out += s.held_out;
      QVERIFY2(!s.conditions.empty(), s.name.c_str());
      QVERIFY2(s.held_out == (demo.generator->task_index(s.name) < 0), s.name.c_str());
    }
    QVERIFY(demo.styles.size() >= 38);  // at least 32 training styles and 6 held out
    QVERIFY(held_out >= 6);
    QVERIFY(demo.evaluation.contains("styles") && demo.evaluation["styles"].size() == demo.styles.size());
    QVERIFY2(tree_bytes(bundle_dir()) < 12 * 1024 * 1024, "the demo bundle should stay a few MB");
  }

  // The studio previews on larger photos than the 96 px check photos: the check subjects first, each at least
  // 200 px on its longest side, and the preview provider offers them.
  void preview_photos_are_large_enough() {
    const StyleDemo demo = StyleDemo::load(bundle_dir());
    QVERIFY(demo.check.previews.size() >= demo.check.photos.size());
    for (size_t i = 0; i < demo.check.photos.size(); ++i) QCOMPARE(demo.check.previews[i], demo.check.photos[i]);
    const auto provider = StylePreviewProvider::for_demo(std::make_shared<const StyleDemo>(demo));
    QCOMPARE(provider->subjects().size(), demo.check.previews.size());
    QCOMPARE(provider->subjects().front() + ".png", demo.check.previews.front());
    if (!image_io_has_opencv()) QSKIP("this build has no OpenCV to read the bundle's PNG preview photos");
    for (const auto& p : demo.check.previews) {
      const torch::Tensor photo = load_rgb_image(demo.preview_photo_path(p));
      QVERIFY2(std::max(photo.size(1), photo.size(2)) >= 200, p.c_str());
    }
  }

  // The atlas holds every style's checkpoints in the generator's latent space, and they cluster by style:
  // a checkpoint is nearer its own style's centroid than any other's (wrong variant: shuffled styles).
  void atlas_places_checkpoints_by_style() {
    const StyleDemo demo = StyleDemo::load(bundle_dir());
    const auto& atlas = demo.atlas;
    QVERIFY(atlas.size() > 0);
    const auto& ae = demo.generator->config.autoencoder;
    QCOMPARE(atlas.dimension(), ae.latent_channels * ae.latent_length);
    for (const auto& s : demo.styles)
      QVERIFY2(std::find(atlas.tasks.begin(), atlas.tasks.end(), s.name) != atlas.tasks.end(), s.name.c_str());
    const auto accuracy = [&](const torch::Tensor& labels) {
      const int64_t t = static_cast<int64_t>(atlas.tasks.size());
      auto centroids = torch::zeros({t, atlas.dimension()}).index_add_(0, labels, atlas.latents);
      centroids /= torch::bincount(labels, {}, t).clamp_min(1).unsqueeze(1).to(torch::kFloat32);
      const auto nearest = torch::cdist(atlas.latents, centroids).argmin(1);
      return (nearest == labels).to(torch::kFloat64).mean().item<double>();
    };
    const double own = accuracy(atlas.task_index);
    QVERIFY2(own > 0.9, qPrintable(QString::number(own)));
    const double shuffled = accuracy(atlas.task_index.index_select(0, torch::randperm(atlas.size())));
    QVERIFY2(shuffled < 0.5, qPrintable(QString::number(shuffled)));
  }

  // Each style's ΔW soup lies among its own checkpoints (wrong variant: the soups shifted by one style), and
  // its reference scores are the bundle's: today's stylizer alone gives the recorded base score.
  void soups_and_reference_scores() {
    const StyleDemo demo = StyleDemo::load(bundle_dir());
    const auto& atlas = demo.atlas;
    QVERIFY(atlas.has_soups());
    QCOMPARE(atlas.soup_kind, std::string("delta_w"));  // the zoo's adapters share their A factors
    const int64_t t = static_cast<int64_t>(atlas.tasks.size());
    auto centroids = torch::zeros({t, atlas.dimension()}).index_add_(0, atlas.task_index, atlas.latents);
    centroids /= torch::bincount(atlas.task_index, {}, t).unsqueeze(1).to(torch::kFloat32);
    const auto own_rate = [&](const torch::Tensor& soups) {
      return (torch::cdist(soups, centroids).argmin(1) == torch::arange(t)).to(torch::kFloat64).mean().item<double>();
    };
    const double own = own_rate(atlas.soups), shifted = own_rate(torch::roll(atlas.soups, 1, 0));
    QVERIFY2(own > 0.9, qPrintable(QString::number(own)));
    QVERIFY2(shifted < 0.2, qPrintable(QString::number(shifted)));
    for (const auto& s : demo.styles) {
      QVERIFY2(s.scores, s.name.c_str());
      QVERIFY2(s.scores->original_best >= s.scores->original_median, s.name.c_str());
    }
    if (!style_ops::available()) QSKIP("without OpenCV there are no true styles to score against");
    Stylizer stylizer = demo.stylizer;
    std::vector<torch::Tensor> photos;
    for (const auto& p : demo.check.photos) photos.push_back(load_rgb_image(demo.check_photo_path(p)));
    for (const auto& s : demo.styles) {
      const double base = check_photo_scores(stylizer, {nullptr}, photos, demo.true_style(s.name)).front();
      QVERIFY2(std::abs(base - s.scores->base) < kToleranceDb, s.name.c_str());
    }
  }

  void reproduces_its_check_figures() {
    if (!image_io_has_opencv()) QSKIP("this build has no OpenCV to read the bundle's PNG check images");
    const StyleDemo demo = StyleDemo::load(bundle_dir());
    const auto differences = demo_check_differences(demo.check, measure_demo_check(demo, demo.check), kToleranceDb);
    std::string all;
    for (const auto& d : differences) all += "\n  " + d;
    QVERIFY2(differences.empty(), ("the demo bundle is stale:" + all).c_str());
    // Generated adapters do what they are for: better than the bare stylizer on every seen check style.
    for (const auto& f : demo.check.figures)
      if (!demo.style(f.style)->held_out)
        QVERIFY2(*std::max_element(f.sample_psnr.begin(), f.sample_psnr.end()) > f.base_psnr + 1, f.style.c_str());
  }

  void stored_true_outputs_are_todays() {
    if (!style_ops::available()) QSKIP("this build has no OpenCV: no style functions");
    const StyleDemo demo = StyleDemo::load(bundle_dir());
    for (const auto& f : demo.check.figures)
      for (const auto& photo : demo.check.photos) {
        const torch::Tensor x = load_rgb_image(demo.check_photo_path(photo));
        const double agreement = psnr(demo.true_style(f.style).apply(x), load_rgb_image(demo.check_truth_path(f.style, photo)));
        QVERIFY2(agreement > 40, (f.style + " on " + photo + ": " + std::to_string(agreement) + " dB").c_str());
      }
  }

  void generate_demo_with_previews() {
    if (!style_ops::available()) QSKIP("this build has no OpenCV: no previews");
    const StyleDemo demo = StyleDemo::load(bundle_dir());
    const DemoStyle* seen = nullptr;
    for (const auto& s : demo.styles)
      if (!s.held_out && !seen) seen = &s;
    QTemporaryDir tmp;
    const std::string out = tmp.path().toStdString() + "/out";
    const test::CliRun r = test::cli("generate --demo style-procedural --image " + test::q(seen->conditions.front()) +
                                     " -n 2 --preview " + test::q(demo.check_photo_path(demo.check.photos.front())) +
                                     " -o " + test::q(out));
    QVERIFY2(r.status == 0, r.output.c_str());
    QVERIFY2(r.output.find("true target: the bundled style \"" + seen->name + "\"") != std::string::npos, r.output.c_str());
    for (const char* f : {"adapter_000", "adapter_001", "preview_000.png", "preview_001.png", "preview_target.png", "previews.png"})
      QVERIFY2(fs::exists(out + "/" + f), f);
  }
};

LORASTUDIO_TEST_MAIN(TestStyleDemoBundle)
#include "test_style_demo_bundle.moc"
