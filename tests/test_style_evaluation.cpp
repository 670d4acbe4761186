// The style world end to end at toy scale on the fetched photos: a small stylizer, four harvested styles (one
// held out), a briefly trained style generator, and the Table-2 evaluation: every method has its figures, the
// harvested LoRAs beat the bare stylizer, the retrieval and control rows name their styles, and the outputs
// (JSON, Markdown, the CLI) carry them. Quality targets are measured on the full recipe, not here.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <cmath>

#include <torch/torch.h>

#include "core/generator/generator_config.h"
#include "core/generator/generator_trainer.h"
#include "core/style/style_evaluation.h"
#include "core/style/style_zoo_harvest.h"
#include "core/style/stylizer_file.h"
#include "core/style/stylizer_pretraining.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fetched_photos.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

namespace {

GeneratorConfig toy_style_generator_config() {
  GeneratorConfig c = GeneratorConfig::load(test::project_path("models/configs/style_procedural.json"));
  c.autoencoder.channels = {16, 32};
  c.autoencoder.latent_length = 16;
  c.denoiser.channels = {16, 32};
  c.denoiser.emb_dim = 32;
  c.condition.dim = 32;
  c.condition.image_size = 32;
  c.train.ae_steps = 60;
  c.train.diffusion_steps = 60;
  c.train.batch = 16;
  c.train.checkpoint_every = 60;
  return c;
}

}  // namespace

class TestStyleEvaluation : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    std::string why;
    if (!test::fetched_photos(&why)) QSKIP(why.c_str());
    world_.emplace(StyleWorld::open(PhotoSet::default_dir()));
    root_ = tmp_.path().toStdString();
    torch::manual_seed(0);
    stylizer_ = Stylizer(StylizerConfig{12, 1});
    StylizerPretrainOptions pre;
    pre.steps = 60;
    pre.batch = 8;
    pre.patch = 32;
    pre.lr = 3e-3;
    pretrain_stylizer(stylizer_, world_->tuning_photos(), pre);
    save_stylizer(stylizer_, root_ + "/stylizer.safetensors");
    StyleZooPlan plan;
    plan.out_dir = root_ + "/zoos";
    plan.styles = {"sepia", "negative", "colormap_jet", "duotone_rose"};
    plan.tuning.steps = 40;
    plan.tuning.keep_last = 4;
    plan.pairs = 48;
    plan.validation_pairs = 8;
    plan.patch = 32;
    harvest_style_zoo(*world_, stylizer_, plan);
    const TrainResult t = train_generator(Zoo::open(seen_zoo_dir(plan.out_dir)), toy_style_generator_config(), root_ + "/gen", false);
    QVERIFY(!t.cancelled);
  }

  void table_has_every_method() {
    ConditionalGenerator g = ConditionalGenerator::load(root_ + "/gen");
    const Zoo seen = Zoo::open(seen_zoo_dir(root_ + "/zoos")), held = Zoo::open(held_out_zoo_dir(root_ + "/zoos"));
    StyleEvaluationOptions o;
    o.samples = 3;
    o.generate.steps = 10;
    o.validation_pairs = 8;
    o.patch = 32;
    const StyleEvaluation ev = evaluate_styles(*world_, stylizer_, g, seen, held, o);
    QCOMPARE(ev.styles.size(), size_t(4));
    for (const auto& r : ev.styles) {
      QCOMPARE(r.samples, int64_t(3));
      QVERIFY(r.own_style_nearest >= 0 && r.own_style_nearest <= 3);
      QVERIFY(r.control_style != r.style);
      QCOMPARE(r.held_out, r.style == "duotone_rose");
      QCOMPARE(r.scores.count(StyleMethod::NearestSeen), size_t(r.held_out ? 1 : 0));
      QCOMPARE(r.memorization.is_null(), r.held_out);
      for (const auto& [method, s] : r.scores) QVERIFY2(std::isfinite(s.psnr) && std::isfinite(s.ssim) && std::isfinite(s.swd), r.style.c_str());
      // The harvested LoRA learned its style: far better than the bare stylizer.
      QVERIFY2(r.scores.at(StyleMethod::BestOriginal).psnr > r.scores.at(StyleMethod::NoLora).psnr + 3, r.style.c_str());
    }
    QCOMPARE(ev.styles.back().nearest_seen_style.empty(), false);
    QVERIFY(std::isnan(ev.mean(StyleMethod::NearestSeen, false).psnr));
    QVERIFY(std::isfinite(ev.mean(StyleMethod::NearestSeen, true).psnr));
    const nlohmann::json j = ev.to_json();
    QCOMPARE(j["table"].size(), size_t(kStyleMethodCount));
    const std::string md = ev.to_markdown();
    for (const char* name : {"sepia", "negative", "colormap_jet", "duotone_rose", "wrong condition (control)"})
      QVERIFY2(md.find(name) != std::string::npos, name);
  }

  void cli_writes_both_files() {
    const test::CliRun r = test::cli("evaluate --zoos " + test::q(root_ + "/zoos") + " --generator " + test::q(root_ + "/gen") +
                                     " --stylizer " + test::q(root_ + "/stylizer.safetensors") + " -o " + test::q(root_ + "/eval") +
                                     " --samples 2 --steps 5 --styles sepia,duotone_rose");
    QVERIFY2(r.status == 0, r.output.c_str());
    QVERIFY(QFile::exists(QString::fromStdString(root_ + "/eval/evaluation.json")));
    QVERIFY(QFile::exists(QString::fromStdString(root_ + "/eval/evaluation.md")));
    QVERIFY(r.output.find("generated (best of N)") != std::string::npos);
    const test::CliRun bad = test::cli("evaluate --zoos " + test::q(root_ + "/nowhere") + " --generator " + test::q(root_ + "/gen") +
                                       " --stylizer " + test::q(root_ + "/stylizer.safetensors") + " -o " + test::q(root_ + "/e2"));
    QVERIFY2(bad.status == 1 && bad.output.find("nowhere") != std::string::npos, bad.output.c_str());
  }

 private:
  QTemporaryDir tmp_;
  std::string root_;
  std::optional<StyleWorld> world_;
  Stylizer stylizer_{nullptr};
};

LORASTUDIO_TEST_MAIN(TestStyleEvaluation)
#include "test_style_evaluation.moc"
