// End to end on a synthetic conditional zoo: train a small generator (both stages), save and reload
// the bundle, and sample with DDPM (1000 steps), DDIM (25) and DPM-Solver++ (25). Each condition must
// yield its own task's checkpoints (>= 95% nearest own task) without copying them.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <torch/torch.h>

#include "core/generator/autocast_guard.h"
#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/generator/generator_trainer.h"
#include "core/generator/memorization_report.h"
#include "core/util/error.h"
#include "tests/support/synthetic_zoo.h"

using namespace lorastudio;

namespace {

GeneratorConfig small_config() {
  GeneratorConfig c;
  c.autoencoder.patch = 8;
  c.autoencoder.channels = {32, 64};
  c.autoencoder.latent_channels = 4;
  c.autoencoder.latent_length = 8;
  c.autoencoder.latent_noise = 0.05;
  c.denoiser.kind = "unet";
  c.denoiser.channels = {32, 64};
  c.denoiser.emb_dim = 64;
  c.condition.kind = "text";
  c.condition.dim = 64;
  c.train.ae_steps = 800;
  c.train.ae_batch = 32;
  c.train.diffusion_steps = 2500;
  c.train.batch = 64;
  c.train.lr = 1e-3;
  c.train.checkpoint_every = 1000;
  c.train.ema_decay = 0.995;
  c.train.seed = 3;
  return c;
}

}  // namespace

class TestGeneratorSynthetic : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  std::string zoo_dir_, gen_dir_;
  TrainResult trained_;

 private Q_SLOTS:
  void initTestCase() {
    zoo_dir_ = tmp_.path().toStdString() + "/zoo";
    gen_dir_ = tmp_.path().toStdString() + "/gen";
    Zoo zoo = test::make_synthetic_zoo(zoo_dir_);
    int reports = 0;
    trained_ = train_generator(zoo, small_config(), gen_dir_, false, [&](const TrainProgress&) {
      ++reports;
      return true;
    }, 100);
    QVERIFY(!trained_.cancelled);
    QVERIFY(reports > 10);
    qInfo("autoencoder loss %.4g, reconstruction error %.4g, diffusion loss %.4g", trained_.final_autoencoder_loss,
          trained_.reconstruction_error, trained_.final_diffusion_loss);
  }

  void autoencoder_reconstructs() {
    QVERIFY2(trained_.reconstruction_error < 0.1, qPrintable(QString::number(trained_.reconstruction_error)));
  }

  void conditions_yield_their_own_tasks_data() {
    QTest::addColumn<QString>("sampler");
    QTest::addColumn<int>("steps");
    QTest::addColumn<bool>("cuda");  // on the GPU with bf16 autocast and CUDA graphs, as `bench generate` runs
    QTest::newRow("ddpm 1000") << "ddpm" << 1000 << false;
    QTest::newRow("ddim 25") << "ddim" << 25 << false;
    QTest::newRow("dpmpp 25") << "dpmpp" << 25 << false;
    QTest::newRow("cuda bf16 graphs ddpm 1000") << "ddpm" << 1000 << true;
    QTest::newRow("cuda bf16 graphs ddim 25") << "ddim" << 25 << true;
    QTest::newRow("cuda bf16 graphs dpmpp 25") << "dpmpp" << 25 << true;
    QTest::newRow("cuda bf16 graphs dpmpp 10") << "dpmpp" << 10 << true;
  }
  void conditions_yield_their_own_tasks() {
    QFETCH(QString, sampler);
    QFETCH(int, steps);
    QFETCH(bool, cuda);
    if (cuda && !torch::cuda::is_available()) QSKIP("needs a CUDA device");
    Zoo zoo = Zoo::open(zoo_dir_);
    ConditionalGenerator g = ConditionalGenerator::load(gen_dir_);
    if (cuda) g.to(torch::kCUDA);
    AutocastGuard bf16(cuda);
    int64_t own = 0, total = 0, copies = 0;
    double rel_sum = 0;
    for (int k = 0; k < 4; ++k) {
      ConditionInput c;
      c.text = test::synthetic_task_text(k);
      GenerateOptions o;
      o.count = 20;
      o.sampler = sampler.toStdString();
      o.steps = steps;
      o.seed = 100 + k;
      GeneratedAdapters out = generate_adapters(g, c, o);
      if (cuda && sampler != "ddpm") QVERIFY(out.whole_graph);
      QCOMPARE(out.task, "task" + std::to_string(k));
      QCOMPARE(int(out.adapters.size()), 20);
      MemorizationReport r = memorization_report(zoo, out.task, out.params, k == 0);
      own += static_cast<int64_t>(r.own_task_fraction * 20 + 0.5);
      total += 20;
      copies += r.copies;
      for (const auto& cand : r.candidates) rel_sum += cand.relative_to_spread;
    }
    const double fraction = double(own) / double(total);
    const double mean_rel = rel_sum / double(total);
    qInfo("%s: nearest own task %.1f%%, copies %lld, nearest-checkpoint distance / median spread %.2f",
          QTest::currentDataTag(), 100 * fraction, static_cast<long long>(copies), mean_rel);
    QVERIFY2(fraction >= 0.95, qPrintable(QString::number(fraction)));
    QCOMPARE(copies, int64_t(0));
    // Samples sit in the task's distribution: about as far from the nearest checkpoint as checkpoints are
    // from each other (not collapsed onto one, not far away).
    QVERIFY2(mean_rel > 0.5 && mean_rel < 3.0, qPrintable(QString::number(mean_rel)));
  }

  void step_callback_sees_trajectory_and_cancels() {
    ConditionalGenerator g = ConditionalGenerator::load(gen_dir_);
    ConditionInput c;
    c.text = test::synthetic_task_text(1);
    GenerateOptions o;
    o.count = 3;
    o.steps = 10;
    o.decode_steps = true;
    int seen = 0;
    GeneratedAdapters out = generate_adapters(g, c, o, [&](const GenerationStep& s) {
      ++seen;
      if (s.x0_params.size(0) != 3 || s.x0_params.size(1) != g.layout.dim()) return false;
      return s.index < 4;  // cancel after the fifth step
    });
    QVERIFY(out.cancelled);
    QCOMPARE(seen, 5);
  }

  // Interrupted twice (once per stage) and resumed, training ends with exactly the weights of the
  // uninterrupted run, which itself is reproducible with its seed (CPU).
  void resume_continues_an_interrupted_run() {
    Zoo zoo = Zoo::open(zoo_dir_);
    GeneratorConfig c = small_config();
    c.train.ae_steps = 60;
    c.train.diffusion_steps = 60;
    c.train.checkpoint_every = 25;
    c.train.device = "cpu";
    const std::string root = tmp_.path().toStdString();
    const std::string dir = root + "/resumed";
    TrainResult first = train_generator(zoo, c, dir, false, [&](const TrainProgress& p) {
      return !(p.stage == "autoencoder" && p.step >= 30);
    }, 10);
    QVERIFY(first.cancelled);
    QVERIFY_THROWS_EXCEPTION(Error, train_generator(zoo, c, dir, false, {}, 10));  // must say --resume
    std::vector<std::pair<std::string, int64_t>> resumed_at;
    TrainResult second = train_generator(zoo, c, dir, true, [&](const TrainProgress& p) {
      resumed_at.emplace_back(p.stage, p.step);
      return !(p.stage == "diffusion" && p.step >= 30);
    }, 10);
    QVERIFY(second.resumed && second.cancelled);
    QCOMPARE(resumed_at.front(), (std::pair<std::string, int64_t>("autoencoder", 40)));  // after step 30
    std::string third_stage;
    int64_t third_step = -1;
    TrainResult third = train_generator(zoo, c, dir, true, [&](const TrainProgress& p) {
      if (third_step < 0) third_stage = p.stage, third_step = p.step;
      return true;
    }, 10);
    QVERIFY(third.resumed && !third.cancelled);
    QCOMPARE(third_stage, std::string("diffusion"));
    QCOMPARE(third_step, int64_t(40));

    QVERIFY(!train_generator(zoo, c, root + "/straight", false, {}, 10).cancelled);
    QVERIFY(!train_generator(zoo, c, root + "/straight_again", false, {}, 10).cancelled);
    const ConditionalGenerator resumed = ConditionalGenerator::load(dir);
    const ConditionalGenerator straight = ConditionalGenerator::load(root + "/straight");
    const ConditionalGenerator again = ConditionalGenerator::load(root + "/straight_again");
    QCOMPARE(resumed.layout.dim(), zoo.dim());
    for (const ConditionalGenerator* other : {&straight, &again}) {
      QCOMPARE(resumed.latent_scale, other->latent_scale);
      const std::vector<std::pair<const torch::nn::Module*, const torch::nn::Module*>> modules = {
          {resumed.autoencoder.get(), other->autoencoder.get()},
          {resumed.denoiser.get(), other->denoiser.get()},
          {resumed.condition_encoder.get(), other->condition_encoder.get()}};
      for (const auto& [a, b] : modules) {
        const auto pa = a->named_parameters(), pb = b->named_parameters();
        QCOMPARE(pa.size(), pb.size());
        for (const auto& item : pa)
          QVERIFY2(torch::equal(item.value(), pb[item.key()]), item.key().c_str());  // bit for bit
      }
    }
  }

  void loading_validates_the_bundle() {
    ConditionalGenerator g = ConditionalGenerator::load(gen_dir_);
    QCOMPARE(int(g.tasks.size()), 4);
    QTemporaryDir broken;
    const std::string dir = broken.path().toStdString();
    QVERIFY_THROWS_EXCEPTION(FileError, ConditionalGenerator::load(dir));  // no generator.json
  }
};

QTEST_APPLESS_MAIN(TestGeneratorSynthetic)
#include "test_generator_synthetic.moc"
