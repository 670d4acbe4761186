// The style recipe, scaled down (tests/data/recipes/style-tiny.json): every stage runs and the demo bundle it
// writes loads and reproduces its recorded check figures; a second run skips every stage; a changed stage reruns
// with the ones after it; a run cancelled part-way goes on to the same result as an uninterrupted one; a bundle
// whose networks changed fails the check; bad recipes are clear errors naming the file and the key.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

#include <torch/torch.h>

#include "core/imaging/image_io.h"
#include "core/imaging/image_metrics.h"
#include "core/imaging/style_ops.h"
#include "core/recipe/style_recipe_runner.h"
#include "core/style/style_demo.h"
#include "core/style/style_zoo_harvest.h"
#include "core/util/error.h"
#include "core/zoo/zoo.h"
#include "tests/support/error_text.h"
#include "tests/support/fetched_photos.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
namespace fs = std::filesystem;

namespace {

std::vector<StageOutcome> outcomes(const RecipeRunResult& r) {
  std::vector<StageOutcome> out;
  for (const auto& s : r.stages) out.push_back(s.outcome);
  return out;
}

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void expect_same_zoo(const std::string& a, const std::string& b) {
  const Zoo za = Zoo::open(a), zb = Zoo::open(b);
  QCOMPARE(za.tasks(), zb.tasks());
  for (const auto& t : za.tasks()) QVERIFY2(torch::equal(za.task_params(t), zb.task_params(t)), t.c_str());
}

}  // namespace

class TestStyleRecipe : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    if (!style_ops::available()) QSKIP("this build has no OpenCV: the style world needs it");
    std::string why;
    if (!test::fetched_photos(&why)) QSKIP(why.c_str());
    recipe_ = StyleRecipe::load(test::project_path("tests/data/recipes/style-tiny.json"));
    options_.cache_dir = tmp_.path().toStdString() + "/a";
    first_ = run_style_recipe(recipe_, options_);
  }

  void every_stage_runs_and_the_bundle_reproduces_its_check() {
    QVERIFY(!first_.cancelled);
    for (const auto& s : first_.stages) QVERIFY2(s.outcome == StageOutcome::Ran, s.stage.c_str());
    const StyleDemo demo = StyleDemo::load(first_.bundle_dir);
    QCOMPARE(demo.name, std::string("style-tiny"));
    QCOMPARE(demo.styles.size(), size_t(4));
    QVERIFY(demo.style("duotone_rose") && demo.style("duotone_rose")->held_out);
    QVERIFY(demo.style("sepia") && !demo.style("sepia")->held_out);
    QVERIFY(demo.evaluation.contains("styles"));
    QCOMPARE(demo.check.figures.size(), size_t(4));
    const auto measured = measure_demo_check(demo, demo.check);
    const auto differences = demo_check_differences(demo.check, measured, 1e-3);
    QVERIFY2(differences.empty(), differences.empty() ? "" : differences.front().c_str());
    // The bundle's networks are float16 on disk; the stored true outputs are the style's.
    const std::string truth = demo.check_truth_path("sepia", demo.check.photos.front());
    const torch::Tensor photo = load_rgb_image(demo.check_photo_path(demo.check.photos.front()));
    QVERIFY(psnr(demo.true_style("sepia").apply(photo), load_rgb_image(truth)) > 40);
  }

  // Deliberately wrong: a bundle whose generator changed (its decoder's weights) no longer reproduces its figures,
  // and a recorded figure off by 0.2 dB is reported.
  void a_changed_generator_fails_the_check() {
    const StyleDemo demo = StyleDemo::load(first_.bundle_dir);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : demo.generator->autoencoder->parameters()) p.mul_(1.5);
    }
    QVERIFY(!demo_check_differences(demo.check, measure_demo_check(demo, demo.check), 0.05).empty());
    DemoCheck shifted = demo.check;
    shifted.figures.front().sample_psnr.front() += 0.2;
    const StyleDemo fresh = StyleDemo::load(first_.bundle_dir);
    QCOMPARE(demo_check_differences(shifted, measure_demo_check(fresh, fresh.check), 0.05).size(), size_t(1));
  }

  void a_second_run_skips_every_stage() {
    const std::string before = read_bytes(options_.cache_dir + "/stylizer.safetensors");
    const RecipeRunResult again = run_style_recipe(recipe_, options_);
    for (const auto& s : again.stages) QVERIFY2(s.outcome == StageOutcome::UpToDate, s.stage.c_str());
    QCOMPARE(read_bytes(options_.cache_dir + "/stylizer.safetensors"), before);
  }

  void a_changed_stage_reruns_with_the_later_ones() {
    StyleRecipe changed = recipe_;
    changed.evaluation.samples = 3;
    const RecipeRunResult r = run_style_recipe(changed, options_);
    using O = StageOutcome;
    QCOMPARE(outcomes(r), (std::vector<O>{O::UpToDate, O::UpToDate, O::UpToDate, O::UpToDate, O::Ran, O::Ran}));
    QCOMPARE(StyleDemo::load(r.bundle_dir).evaluation["styles"][0]["samples"].get<int>(), 3);
  }

  void a_cancelled_run_goes_on_to_the_same_result() {
    RecipeRunOptions o = options_;
    o.cache_dir = tmp_.path().toStdString() + "/b";
    o.until = "styles";
    const RecipeRunResult cut = run_style_recipe(recipe_, o, [](const RecipeEvent& e) {
      return !(e.stage == "styles" && e.detail.find("style 3/") != std::string::npos);
    });
    QVERIFY(cut.cancelled);
    using O = StageOutcome;
    QCOMPARE(outcomes(cut), (std::vector<O>{O::Ran, O::Ran, O::Unfinished, O::NotRun, O::NotRun, O::NotRun}));
    QCOMPARE(outcomes(recipe_status(recipe_, o)),
             (std::vector<O>{O::UpToDate, O::UpToDate, O::Unfinished, O::NotRun, O::NotRun, O::NotRun}));
    const RecipeRunResult rest = run_style_recipe(recipe_, o);
    QCOMPARE(outcomes(rest), (std::vector<O>{O::UpToDate, O::UpToDate, O::Resumed, O::NotRun, O::NotRun, O::NotRun}));
    QCOMPARE(read_bytes(o.cache_dir + "/stylizer.safetensors"), read_bytes(options_.cache_dir + "/stylizer.safetensors"));
    expect_same_zoo(seen_zoo_dir(o.cache_dir + "/harvest"), seen_zoo_dir(options_.cache_dir + "/harvest"));
    expect_same_zoo(held_out_zoo_dir(o.cache_dir + "/harvest"), held_out_zoo_dir(options_.cache_dir + "/harvest"));
  }

  void bad_recipes_are_clear_errors_data() {
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown key") << "\"seed\": 3," << "\"sede\": 3,|sede";
    QTest::newRow("wrong format") << "\"format\": \"lora-studio-recipe\"" << "\"format\": \"other\"|format";
    QTest::newRow("odd patch") << "\"patch\": 32}" << "\"patch\": 33}|patch";
    QTest::newRow("missing generator config") << "\"generator\": {" << "\"generator\": \"nope.json\", \"comment\": {|generator";
  }
  void bad_recipes_are_clear_errors() {
    QFETCH(QString, edit);
    QFETCH(QString, expected);
    const QStringList parts = expected.split('|');
    std::string text = read_bytes(test::project_path("tests/data/recipes/style-tiny.json"));
    const size_t at = text.find(edit.toStdString());
    QVERIFY(at != std::string::npos);
    text.replace(at, edit.size(), parts[0].toStdString());
    const std::string path = tmp_.path().toStdString() + "/bad.json";
    std::ofstream(path) << text;
    const std::string message = test::error_of([&] { StyleRecipe::load(path); }).toStdString();
    QVERIFY2(message.find(path) != std::string::npos, message.c_str());
    QVERIFY2(message.find(parts[1].toStdString()) != std::string::npos, message.c_str());
  }

 private:
  QTemporaryDir tmp_;
  StyleRecipe recipe_;
  RecipeRunOptions options_;
  RecipeRunResult first_;
};

LORASTUDIO_TEST_MAIN(TestStyleRecipe)
#include "test_style_recipe.moc"
