// End to end on a synthetic conditional world that a generator can fail in every way that matters (see
// tests/support/synthetic_world.h): train a small generator (both stages), save and reload the bundle, and
// sample with DDPM (1000 steps), DDIM (25) and DPM-Solver++ (25). For every training task the samples must be
// its own (nearest own task), new (not copies), as varied as its checkpoints and cover both modes of the
// bimodal task; for the held-out combination they must land nearer its hidden checkpoints than any training
// task's. The same checks run on three deliberately wrong "generators" — one that collapses to the task mean,
// one that copies checkpoints with small jitter, one that ignores the condition — and on one that drops a mode,
// and must reject each. Distances are in flat parameter space, where the world is defined.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <torch/torch.h>

#include "core/generator/autocast_guard.h"
#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/generator/generator_trainer.h"
#include "core/generator/held_out_report.h"
#include "core/generator/memorization_report.h"
#include "core/util/error.h"
#include "tests/support/synthetic_world.h"

using namespace lorastudio;

namespace {

GeneratorConfig small_config() {
  GeneratorConfig c;
  c.autoencoder.patch = 8;
  c.autoencoder.channels = {64, 128};
  c.autoencoder.latent_channels = 4;
  c.autoencoder.latent_length = 16;
  c.autoencoder.latent_noise = 0.0;  // noise on the latent would blur exactly the variation it must carry
  c.denoiser.kind = "unet";
  c.denoiser.channels = {32, 64};
  c.denoiser.emb_dim = 64;
  c.condition.kind = "text";
  c.condition.dim = 64;
  c.normalization.mode = NormalizationMode::Global;  // held-out conditions decode with the same statistics
  c.train.ae_steps = 2500;
  c.train.ae_batch = 64;
  c.train.ae_lr = 3e-3;
  c.train.diffusion_steps = 3000;
  c.train.batch = 64;
  c.train.lr = 1e-3;
  c.train.checkpoint_every = 2000;
  c.train.ema_decay = 0.995;
  c.train.seed = 3;
  return c;
}

// The thresholds every generator must meet on a training task (the wrong ones must each miss one).
struct Verdict {
  bool own_task = false, not_copies = false, diverse = false, covers_modes = false;
  QString failures() const {
    QString s;
    if (!own_task) s += " own-task";
    if (!not_copies) s += " copies";
    if (!diverse) s += " diversity";
    if (!covers_modes) s += " modes";
    return s.isEmpty() ? "none" : s.trimmed();
  }
  bool ok() const { return own_task && not_copies && diverse && covers_modes; }
};

constexpr double kMinOwnTask = 0.95;        // nearest own-task checkpoint
constexpr double kMinMemorization = 0.6;    // median nearest-own distance / median within-task spread (copies → 0)
constexpr int64_t kMaxCopies = 4;           // of 20: fresh draws of a low-dimensional spread land near a checkpoint now and then
constexpr double kMinDiversity = 0.6;       // generated pairwise spread / checkpoints'
constexpr double kMaxDiversity = 1.6;
constexpr double kMinModeShare = 0.2;       // each mode of the bimodal task gets at least this share of samples

// Which mode of `task` each sample belongs to (by its nearest checkpoint).
std::vector<double> mode_shares(const test::SyntheticTask& task, const torch::Tensor& samples) {
  const torch::Tensor nearest = std::get<1>(torch::cdist(samples.unsqueeze(0), task.checkpoints.unsqueeze(0)).squeeze(0).min(1));
  std::vector<double> share(2, 0.0);
  for (int64_t i = 0; i < nearest.size(0); ++i) share[size_t(task.mode[size_t(nearest[i].item<int64_t>())])] += 1.0 / double(nearest.size(0));
  return share;
}

Verdict judge(const Zoo& zoo, const test::SyntheticTask& task, const torch::Tensor& samples, const char* who) {
  const MemorizationReport r = memorization_report(zoo, task.name, samples, false, ReportSpace::Flat);
  Verdict v;
  v.own_task = r.own_task_fraction >= kMinOwnTask;
  v.not_copies = r.copies <= kMaxCopies && r.memorization_ratio >= kMinMemorization;
  v.diverse = r.diversity.ratio >= kMinDiversity && r.diversity.ratio <= kMaxDiversity;
  v.covers_modes = true;
  std::vector<double> share{1.0, 0.0};
  if (task.bimodal) {
    share = mode_shares(task, samples);
    v.covers_modes = share[0] >= kMinModeShare && share[1] >= kMinModeShare;
  }
  qInfo("%-22s %-22s own %3.0f%%  copies %2lld  memorisation %.2f  diversity %.2f  coverage %.2f  modes %.2f/%.2f  -> %s", who,
        task.name.c_str(), 100 * r.own_task_fraction, static_cast<long long>(r.copies), r.memorization_ratio, r.diversity.ratio,
        r.diversity.coverage, share[0], share[1], qPrintable(v.failures()));
  return v;
}

torch::Tensor generate_for(ConditionalGenerator& g, const std::string& text, const std::string& sampler, int steps, uint64_t seed) {
  ConditionInput c;
  c.text = text;
  GenerateOptions o;
  o.count = 20;
  o.sampler = sampler;
  o.steps = steps;
  o.seed = seed;
  return generate_adapters(g, c, o).params.clone();
}

}  // namespace

class TestGeneratorSynthetic : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  std::string zoo_dir_, gen_dir_;
  test::SyntheticWorld world_;
  TrainResult trained_;

 private Q_SLOTS:
  void initTestCase() {
    zoo_dir_ = tmp_.path().toStdString() + "/zoo";
    gen_dir_ = tmp_.path().toStdString() + "/gen";
    world_ = test::make_synthetic_world();
    Zoo zoo = test::write_world_zoo(world_, zoo_dir_);
    int reports = 0;
    trained_ = train_generator(zoo, small_config(), gen_dir_, false, [&](const TrainProgress&) {
      ++reports;
      return true;
    }, 100);
    QVERIFY(!trained_.cancelled);
    QVERIFY(reports > 10);
    qInfo("autoencoder loss %.4g, reconstruction error %.4g of the data's norm, %.3g of the within-task spread; diffusion loss %.4g",
          trained_.final_autoencoder_loss, trained_.reconstruction_error, trained_.reconstruction_to_spread,
          trained_.final_diffusion_loss);
  }

  // The autoencoder must carry the within-task variation, not just the task means.
  void autoencoder_reconstructs_within_task_variation() {
    QVERIFY2(trained_.reconstruction_to_spread < 0.3, qPrintable(QString::number(trained_.reconstruction_to_spread)));
  }

  void generator_meets_every_check_data() {
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
  void generator_meets_every_check() {
    QFETCH(QString, sampler);
    QFETCH(int, steps);
    QFETCH(bool, cuda);
    if (cuda && !torch::cuda::is_available()) QSKIP("needs a CUDA device");
    Zoo zoo = Zoo::open(zoo_dir_);
    ConditionalGenerator g = ConditionalGenerator::load(gen_dir_);
    if (cuda) g.to(torch::kCUDA);
    AutocastGuard bf16(cuda);
    int seed = 100;
    for (const test::SyntheticTask* t : world_.training_tasks()) {
      const torch::Tensor samples = generate_for(g, t->text, sampler.toStdString(), steps, seed++);
      const Verdict v = judge(zoo, *t, samples, qPrintable(QString("generator ") + QTest::currentDataTag()));
      QVERIFY2(v.ok(), qPrintable(QString::fromStdString(t->name) + " fails: " + v.failures()));
    }
  }

  // A combination of domain and label never trained on. The measure must tell samples that found the hidden
  // task (fresh draws from it) from samples of the nearest training task; the generator's own figure is
  // reported: this hashed-text generator does not yet compose an unseen domain-label pair (see the README).
  void held_out_condition_is_measured() {
    Zoo zoo = Zoo::open(zoo_dir_);
    ConditionalGenerator g = ConditionalGenerator::load(gen_dir_);
    for (const test::SyntheticTask* t : world_.held_out_tasks()) {
      const HeldOutReport found = held_out_report(zoo, t->checkpoints, world_.draw(*t, 20, 5), ReportSpace::Flat);
      const HeldOutReport missed =
          held_out_report(zoo, t->checkpoints, world_.draw(world_.task(found.nearest_training_task), 20, 6), ReportSpace::Flat);
      const HeldOutReport generated = held_out_report(zoo, t->checkpoints, generate_for(g, t->text, "ddim", 25, 7), ReportSpace::Flat);
      qInfo("held out %s: distance to its hidden checkpoints / to the nearest training task: fresh draws %.2f, fresh draws of the "
            "nearest training task %.2f, the generator %.2f (%.0f%% of its samples nearer the hidden task; nearest "
            "training task %s)",
            t->name.c_str(), found.ratio, missed.ratio, generated.ratio, 100 * generated.closer_to_hidden,
            generated.nearest_training_task.c_str());
      QVERIFY2(found.ratio < 1.0 && found.closer_to_hidden >= 0.9, qPrintable(QString::number(found.ratio)));
      QVERIFY2(missed.ratio > 1.0 && missed.closer_to_hidden <= 0.1, qPrintable(QString::number(missed.ratio)));
      QVERIFY(std::isfinite(generated.ratio) && generated.to_hidden > 0);
    }
  }

  // The checks above must be able to fail: each wrong generator is rejected.
  void wrong_generators_are_rejected_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");  // the check that must fail
    QTest::newRow("a perfect generator (fresh draws) passes") << "oracle" << "none";
    QTest::newRow("collapses to the task mean") << "mean" << "diversity";
    QTest::newRow("copies checkpoints with small jitter") << "copy" << "copies";
    QTest::newRow("ignores the condition") << "ignore" << "own-task";
    QTest::newRow("drops a mode of the bimodal task") << "one-mode" << "modes";
  }
  void wrong_generators_are_rejected() {
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    Zoo zoo = Zoo::open(zoo_dir_);
    torch::manual_seed(11);
    const auto tasks = world_.training_tasks();
    const test::SyntheticTask& first = *tasks.front();
    int rejected = 0, judged = 0;
    for (const test::SyntheticTask* t : tasks) {
      if (kind == "one-mode" && !t->bimodal) continue;
      const torch::Tensor& x = t->checkpoints;
      const torch::Tensor mean = x.mean(0, true);
      torch::Tensor samples;
      if (kind == "oracle") {
        samples = world_.draw(*t, 20, 1000 + uint64_t(judged));
      } else if (kind == "mean") {
        samples = mean + 1e-3 * torch::randn({20, x.size(1)});
      } else if (kind == "copy") {  // a random checkpoint plus 10% of the data's own deviation
        const torch::Tensor pick = torch::randint(x.size(0), {20}, torch::kLong);
        samples = x.index_select(0, pick) + 0.1 * (x.index_select(0, torch::randint(x.size(0), {20}, torch::kLong)) - mean);
      } else if (kind == "ignore") {  // whatever the condition, the first task's distribution
        samples = first.checkpoints.index_select(0, torch::randperm(first.checkpoints.size(0), torch::kLong).narrow(0, 0, 20));
        if (t == &first) continue;
      } else {  // one mode only: the checkpoints of mode 0, resampled
        std::vector<int64_t> rows;
        for (size_t i = 0; i < t->mode.size(); ++i)
          if (t->mode[i] == 0) rows.push_back(int64_t(i));
        samples = x.index_select(0, torch::tensor(rows, torch::kLong));
      }
      const Verdict v = judge(zoo, *t, samples, qPrintable("wrong: " + kind));
      ++judged;
      if (expected == "none" ? v.ok() : v.failures().contains(expected)) ++rejected;
    }
    QVERIFY(judged > 0);
    QCOMPARE(rejected, judged);
  }

  void step_callback_sees_trajectory_and_cancels() {
    ConditionalGenerator g = ConditionalGenerator::load(gen_dir_);
    ConditionInput c;
    c.text = world_.training_tasks()[1]->text;
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
    GeneratorConfig changed = c;
    changed.train.lr *= 2;
    QVERIFY_THROWS_EXCEPTION(FileError, train_generator(zoo, changed, dir, true, {}, 10));  // another config
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

  // A loss that overflows stops training with the stage, the step and a hint, and writes no generator.
  void non_finite_loss_stops_training() {
    const std::string root = tmp_.path().toStdString();
    Zoo huge = Zoo::create(root + "/huge_zoo");
    const Zoo zoo = Zoo::open(zoo_dir_);
    for (const auto& name : zoo.tasks()) {
      FlatCheckpoints rows;
      rows.params = zoo.task_params(name) * 1e25f;  // finite, but its squared error overflows float32
      huge.add_task(name, zoo.condition(name), rows, zoo.layout());
    }
    GeneratorConfig c = small_config();
    c.normalization.mode = NormalizationMode::None;
    c.train.ae_steps = 20;
    c.train.diffusion_steps = 20;
    const std::string dir = root + "/diverged";
    try {
      train_generator(huge, c, dir, false, {}, 10);
      QFAIL("training on overflowing data did not stop");
    } catch (const Error& e) {
      const QString message = e.what();
      QVERIFY2(message.contains("autoencoder loss became") && message.contains("at step 1") && message.contains("train.ae_lr"), e.what());
    }
    QVERIFY(!QFile::exists(QString::fromStdString(dir + "/generator.json")));
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestGeneratorSynthetic)
#include "test_generator_synthetic.moc"
