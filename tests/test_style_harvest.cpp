// Style-LoRA harvesting: a LoCon adapter on the frozen stylizer learns its style (and not another), the LoRA
// forward equals merging ΔW into the convolutions, and the zoo harvest writes conv-LoRA zoos with conditions,
// resumes and cancels. Synthetic photos for the learning checks; the fetched photos for the zoo harvest.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/imaging/image_io.h"
#include "core/imaging/style_catalog.h"
#include "core/imaging/style_ops.h"
#include "core/math/lora_math.h"
#include "core/style/style_harvest.h"
#include "core/style/style_interpolation.h"
#include "core/style/style_zoo_harvest.h"
#include "core/style/stylizer_file.h"
#include "core/style/stylizer_pretraining.h"
#include "core/zoo/zoo.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fetched_photos.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

namespace {

std::vector<torch::Tensor> synthetic_photos() {
  namespace F = torch::nn::functional;
  std::vector<torch::Tensor> out;
  for (int i = 0; i < 4; ++i) {
    torch::manual_seed(100 + i);
    const torch::Tensor low = torch::rand({1, 3, 5, 5});
    out.push_back((F::interpolate(low, F::InterpolateFuncOptions().size(std::vector<int64_t>{80, 80}).mode(torch::kBicubic).align_corners(false))
                       .squeeze(0) + torch::randn({3, 80, 80}) * 0.04).clamp(0, 1));
  }
  return out;
}

// A small stylizer taught to reproduce its input (a few seconds).
Stylizer small_stylizer(const std::vector<torch::Tensor>& photos) {
  torch::manual_seed(1);
  Stylizer s(StylizerConfig{12, 1});
  StylizerPretrainOptions o;
  o.steps = 80;
  o.batch = 8;
  o.patch = 32;
  o.lr = 3e-3;
  pretrain_stylizer(s, photos, o);
  return s;
}

Style op_style(const std::string& name, std::function<torch::Tensor(const torch::Tensor&)> f) {
  Style s;
  s.name = name;
  s.apply = std::move(f);
  return s;
}

// Whether a strip moves from style A to style B continuously: PSNR to A never rises and to B never falls, and
// no step between neighbouring frames carries more than 60% of the whole change.
bool continuous(const std::vector<InterpolationFrame>& frames) {
  double jump_a = 0, jump_b = 0;
  for (size_t i = 1; i < frames.size(); ++i) {
    if (frames[i].psnr_a > frames[i - 1].psnr_a + 0.05 || frames[i].psnr_b < frames[i - 1].psnr_b - 0.05) return false;
    jump_a = std::max(jump_a, frames[i - 1].psnr_a - frames[i].psnr_a);
    jump_b = std::max(jump_b, frames[i].psnr_b - frames[i - 1].psnr_b);
  }
  const double range_a = frames.front().psnr_a - frames.back().psnr_a, range_b = frames.back().psnr_b - frames.front().psnr_b;
  return range_a > 3 && range_b > 3 && jump_a < 0.6 * range_a && jump_b < 0.6 * range_b;
}

StyleHarvestOptions quick_options() {
  StyleHarvestOptions o;
  o.steps = 60;
  o.keep_last = 10;
  o.batch = 8;
  o.lr = 1e-2;
  return o;
}

}  // namespace

class TestStyleHarvest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    if (!style_ops::available()) QSKIP("this build has no OpenCV: no styles to harvest");
    photos_ = synthetic_photos();
    stylizer_ = small_stylizer(photos_);
  }

  // The adapter learns its style, well above the stylizer without a LoRA, and the checkpoints are the last N
  // steps; the same adapter scored on another style is much worse (a LoRA is its style's, not any style's).
  void lora_learns_its_style_and_not_another() {
    const Style sepia = op_style("sepia", style_ops::sepia), negative = op_style("negative", style_ops::negative);
    const StylePairs train = style_pairs(sepia, photos_, 64, 32, 1), validation = style_pairs(sepia, photos_, 16, 32, 2);
    const StyleHarvest h = harvest_style(stylizer_, train, validation, quick_options());
    QCOMPARE(h.checkpoints.size(), size_t(10));
    QCOMPARE(h.checkpoints.front().step, int64_t(51));
    QCOMPARE(h.checkpoints.back().step, int64_t(60));
    const StyleCheckpoint& last = h.checkpoints.back();
    QVERIFY2(last.score_psnr > h.base_psnr + 6, qPrintable(QString("%1 vs %2").arg(last.score_psnr).arg(h.base_psnr)));
    const double elsewhere = pairs_psnr(stylizer_, style_pairs(negative, photos_, 16, 32, 2), &last.adapter);
    QVERIFY2(elsewhere < last.score_psnr - 6, qPrintable(QString::number(elsewhere)));
    for (const auto& m : last.adapter.modules) QVERIFY(m.is_conv() && !m.A.requires_grad());
    QVERIFY(!torch::equal(h.checkpoints.front().adapter.modules[0].B, last.adapter.modules[0].B));
  }

  // LoRA-FA: with A frozen every checkpoint keeps the shared initial A (the same for two styles), and B alone
  // still learns the style.
  void frozen_a_keeps_the_shared_initialisation() {
    const Style sepia = op_style("sepia", style_ops::sepia), negative = op_style("negative", style_ops::negative);
    StyleHarvestOptions o = quick_options();
    o.freeze_a = true;
    o.init_seed = 9;
    const StyleHarvest a = harvest_style(stylizer_, style_pairs(sepia, photos_, 64, 32, 1), style_pairs(sepia, photos_, 16, 32, 2), o);
    const StyleHarvest b = harvest_style(stylizer_, style_pairs(negative, photos_, 64, 32, 1), style_pairs(negative, photos_, 16, 32, 2), o);
    const LoraAdapter fresh = new_style_lora(stylizer_, o.lora, 9);
    for (size_t k = 0; k < fresh.modules.size(); ++k) {
      QVERIFY(torch::equal(a.checkpoints.back().adapter.modules[k].A, fresh.modules[k].A));
      QVERIFY(torch::equal(b.checkpoints.back().adapter.modules[k].A, fresh.modules[k].A));
    }
    QVERIFY2(a.checkpoints.back().score_psnr > a.base_psnr + 6, qPrintable(QString::number(a.checkpoints.back().score_psnr)));
    o.freeze_a = false;  // the same run with A trained moves A
    const StyleHarvest moved = harvest_style(stylizer_, style_pairs(sepia, photos_, 64, 32, 1), style_pairs(sepia, photos_, 16, 32, 2), o);
    QVERIFY(!torch::equal(moved.checkpoints.back().adapter.modules[0].A, fresh.modules[0].A));
  }

  // Running with ΔW added is the same as merging ΔW into the convolution weights (lora_math's merge_into).
  void lora_forward_equals_merged_weights() {
    const Style sepia = op_style("sepia", style_ops::sepia);
    StyleHarvestOptions o = quick_options();
    o.steps = 10;
    o.keep_last = 1;
    const StyleHarvest h = harvest_style(stylizer_, style_pairs(sepia, photos_, 16, 32, 3), style_pairs(sepia, photos_, 4, 32, 4), o);
    const LoraAdapter& a = h.checkpoints.back().adapter;
    const torch::Tensor x = style_pairs(sepia, photos_, 4, 32, 5).inputs;
    const torch::Tensor with_lora = stylize(stylizer_, x, &a);
    Stylizer merged(stylizer_->config);
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < merged->parameters().size(); ++i) merged->parameters()[i].copy_(stylizer_->parameters()[i]);
    for (auto& [path, conv] : merged->convolutions()) {
      torch::Tensor w = conv->weight.data();
      merge_into(w, a, *a.find(path));
    }
    QVERIFY(torch::allclose(stylize(merged, x), with_lora, 1e-4, 1e-5));
    QVERIFY(!torch::allclose(stylize(stylizer_, x), with_lora, 1e-3, 1e-3));
  }

  // Sliding from one style LoRA to another changes the picture continuously; a strip that switches from A to B
  // at λ = 1/2 is caught.
  void interpolation_moves_between_styles() {
    const Style sepia = op_style("sepia", style_ops::sepia), negative = op_style("negative", style_ops::negative);
    auto tuned = [&](const Style& st) {
      return harvest_style(stylizer_, style_pairs(st, photos_, 64, 32, 1), style_pairs(st, photos_, 8, 32, 2), quick_options())
          .checkpoints.back()
          .adapter;
    };
    const LoraAdapter a = tuned(sepia), b = tuned(negative);
    const torch::Tensor photo = photos_[0].narrow(1, 0, 64).narrow(2, 0, 64).contiguous();
    const auto frames = interpolation_strip(stylizer_, a, b, photo, 7, &sepia, &negative);
    QCOMPARE(frames.size(), size_t(7));
    QCOMPARE(frames[3].lambda, 0.5);
    QVERIFY(continuous(frames));
    std::vector<InterpolationFrame> switched = frames;
    const auto ends = interpolation_strip(stylizer_, a, b, photo, 2, &sepia, &negative);
    for (auto& f : switched) {
      const auto& end = f.lambda < 0.5 ? ends.front() : ends.back();
      f.psnr_a = end.psnr_a;
      f.psnr_b = end.psnr_b;
    }
    QVERIFY(!continuous(switched));

    // The same from the command line: a contact sheet of 5 frames.
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    save_stylizer(stylizer_, dir + "/s.safetensors");
    save_adapter(a, AdapterFormat::Peft, dir + "/a");
    save_adapter(b, AdapterFormat::Kohya, dir + "/b.safetensors");
    save_rgb_image(dir + "/photo.ppm", photo);
    const test::CliRun r = test::cli("interpolate " + test::q(dir + "/a") + " " + test::q(dir + "/b.safetensors") + " --preview " +
                                     test::q(dir + "/photo.ppm") + " --stylizer " + test::q(dir + "/s.safetensors") +
                                     " --steps 5 --size 64 --sheet " + test::q(dir + "/sheet.ppm"));
    QVERIFY2(r.status == 0, r.output.c_str());
    const torch::Tensor sheet = load_rgb_image(dir + "/sheet.ppm");
    QVERIFY(sheet.size(2) > 5 * 64 && sheet.size(1) > 64);
  }

  // On the fetched photos: two styles (one held out) into their zoos, conditions alongside; a second run skips
  // them; a cancelled run leaves no task behind.
  void zoo_harvest_writes_resumes_and_cancels() {
    std::string why;
    if (!test::fetched_photos(&why)) QSKIP(why.c_str());
    const StyleWorld world = StyleWorld::open(PhotoSet::default_dir());
    QTemporaryDir tmp;
    StyleZooPlan plan;
    plan.out_dir = tmp.path().toStdString();
    plan.styles = {"sepia", "ref_giraffe"};
    plan.tuning.steps = 4;
    plan.tuning.keep_last = 3;
    plan.pairs = 8;
    plan.validation_pairs = 4;
    plan.patch = 32;
    const StyleZooSummary s = harvest_style_zoo(world, stylizer_, plan);
    QCOMPARE(s.harvested.size(), size_t(2));
    const Zoo seen = Zoo::open(seen_zoo_dir(plan.out_dir)), held = Zoo::open(held_out_zoo_dir(plan.out_dir));
    QCOMPARE(seen.tasks(), std::vector<std::string>{"sepia"});
    QCOMPARE(held.tasks(), std::vector<std::string>{"ref_giraffe"});
    QCOMPARE(seen.count("sepia"), int64_t(3));
    QCOMPARE(seen.condition("sepia").images.size(), world.options().condition_photos.size());
    QCOMPARE(held.condition("ref_giraffe").images.size(), size_t(1));
    QCOMPARE(seen.layout().modules().front().kernel_size, (std::vector<int64_t>{3, 3}));
    QCOMPARE(seen.task("sepia").metric_names.size(), size_t(3));

    const StyleZooSummary again = harvest_style_zoo(world, stylizer_, plan);
    QCOMPARE(again.skipped.size(), size_t(2));
    QVERIFY(again.harvested.empty());

    plan.styles = {"negative"};
    const StyleZooSummary cut = harvest_style_zoo(world, stylizer_, plan, [](const StyleZooEvent& e) { return e.step < 2; });
    QVERIFY(cut.cancelled);
    QVERIFY(!Zoo::open(seen_zoo_dir(plan.out_dir)).has_task("negative"));
  }

  void cli_refuses_bad_input_data() {
    QTest::addColumn<QString>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing stylizer") << "--stylizer /nonexistent/s.safetensors -o OUT" << "/nonexistent/s.safetensors";
    QTest::newRow("not a stylizer") << "--stylizer FIXTURE -o OUT" << "not a stylizer weights file";
    QTest::newRow("keep above steps") << "--stylizer STYLIZER -o OUT --steps 5 --keep 9" << "--keep";
    QTest::newRow("unknown style") << "--stylizer STYLIZER -o OUT --styles sepia,cubism" << "no style named \"cubism\"";
  }

  void cli_refuses_bad_input() {
    QFETCH(QString, args);
    QFETCH(QString, message);
    std::string why;
    if (args.contains("cubism") && !test::fetched_photos(&why)) QSKIP(why.c_str());
    QTemporaryDir tmp;
    const std::string stylizer = tmp.path().toStdString() + "/s.safetensors";
    save_stylizer(stylizer_, stylizer);
    std::string a = args.toStdString();
    auto replace = [&](const std::string& key, const std::string& value) {
      const auto at = a.find(key);
      if (at != std::string::npos) a.replace(at, key.size(), test::q(value));
    };
    replace("STYLIZER", stylizer);
    replace("FIXTURE", test::project_path("tests/data/peft_conv2d/adapter_model.safetensors"));
    replace("OUT", tmp.path().toStdString() + "/out");
    const test::CliRun r = test::cli("harvest-styles " + a);
    QVERIFY2(r.status != 0 && QString::fromStdString(r.output).contains(message), r.output.c_str());
    QVERIFY2(!QString::fromStdString(r.output).contains("frame #"), r.output.c_str());
  }

 private:
  std::vector<torch::Tensor> photos_;
  Stylizer stylizer_{nullptr};
};

LORASTUDIO_TEST_MAIN(TestStyleHarvest)
#include "test_style_harvest.moc"
