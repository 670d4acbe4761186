// The sampling loop and classifier-free guidance, with callbacks in place of a network: step callbacks and
// cancellation, the guidance arithmetic and its batching, seeded determinism, and a "perfect denoiser" check
// (the exact ε of a Gaussian data distribution samples that distribution, with every scheduler).
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include "core/diffusion/sampler.h"
#include "core/diffusion/scheduler.h"
#include "core/util/error.h"

using namespace lorastudio;

namespace {

SchedulerConfig plain_config(SchedulerKind kind) {
  SchedulerConfig c = scheduler_defaults(kind);
  c.clip_sample = false;
  return c;
}

// A smooth, contracting stand-in for a network.
torch::Tensor toy_eps(const torch::Tensor& x, const torch::Tensor& t) {
  return 0.5 * x + 0.01 * t.to(x.scalar_type()).view({-1, 1, 1, 1}).cos();
}

// A conditional toy network: x·c[:, 0] + c[:, 1] per batch row (cond [B, 2]).
torch::Tensor toy_conditional(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c) {
  return x * c.select(1, 0).view({-1, 1, 1, 1}) + c.select(1, 1).view({-1, 1, 1, 1}) +
         1e-3 * t.to(x.scalar_type()).view({-1, 1, 1, 1});
}

}  // namespace

class TestSampler : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void callbackSeesEveryStep_data() {
    QTest::addColumn<QString>("scheduler");
    QTest::newRow("ddpm") << "ddpm";
    QTest::newRow("ddim") << "ddim";
    QTest::newRow("dpmpp") << "dpmpp";
  }
  void callbackSeesEveryStep() {
    QFETCH(QString, scheduler);
    const SchedulerKind kind = parse_scheduler_kind(scheduler.toStdString());
    auto s = make_scheduler(kind, plain_config(kind));
    torch::manual_seed(1);
    const torch::Tensor x_T = torch::randn({3, 4, 8, 8});
    std::vector<SampleStep> seen;
    int denoiser_calls = 0;
    const Denoiser d = [&](const torch::Tensor& x, const torch::Tensor& t) {
      ++denoiser_calls;
      if (t.scalar_type() != torch::kLong || t.dim() != 1 || t.size(0) != 3) throw Error("bad timesteps tensor");
      return toy_eps(x, t);
    };
    const SampleResult r = run_sampler(*s, d, x_T, 12, [&](const SampleStep& step) {
      seen.push_back(step);
      return true;
    }, at::detail::createCPUGenerator(0));
    QCOMPARE(r.steps_done, 12);
    QVERIFY(!r.cancelled);
    QCOMPARE(denoiser_calls, 12);
    QCOMPARE(seen.size(), size_t(12));
    for (int i = 0; i < 12; ++i) {
      QCOMPARE(seen[i].index, i);
      QCOMPARE(seen[i].total, 12);
      QCOMPARE(seen[i].timestep, s->timesteps()[i]);
      QCOMPARE(seen[i].x_t.sizes(), x_T.sizes());
      QCOMPARE(seen[i].x0_pred.sizes(), x_T.sizes());
    }
    QVERIFY(torch::equal(seen.back().x_t, r.sample));
    QVERIFY(!torch::equal(r.sample, x_T));
  }

  void cancelStopsEarly() {
    auto s = make_scheduler("dpmpp", plain_config(SchedulerKind::DPMSolverMultistep));
    int calls = 0, denoiser_calls = 0;
    const SampleResult r = run_sampler(
        *s,
        [&](const torch::Tensor& x, const torch::Tensor& t) {
          ++denoiser_calls;
          return toy_eps(x, t);
        },
        torch::randn({1, 4, 4, 4}), 20, [&](const SampleStep& step) {
          ++calls;
          return step.index < 4;  // cancels after the fifth step
        });
    QVERIFY(r.cancelled);
    QCOMPARE(r.steps_done, 5);
    QCOMPARE(calls, 5);
    QCOMPARE(denoiser_calls, 5);
    QVERIFY(r.sample.defined());
    // The scheduler is reusable for a full run afterwards (run_sampler resets it).
    const SampleResult again = run_sampler(*s, toy_eps, torch::randn({1, 4, 4, 4}), 20);
    QCOMPARE(again.steps_done, 20);
  }

  void guidanceScaleOneRunsTheConditionalPassOnly() {
    const torch::Tensor cond = torch::tensor({0.5, 0.2, -0.3, 0.1}).view({2, 2});
    const torch::Tensor uncond = torch::zeros({2, 2});
    int calls = 0;
    const Denoiser d = guided_denoiser(
        [&](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c) {
          ++calls;
          if (x.size(0) != 2 || t.size(0) != 2 || !torch::equal(c, cond)) throw Error("not the conditional pass");
          return toy_conditional(x, t, c);
        },
        cond, uncond, 1.0);
    auto s = make_scheduler("ddim", plain_config(SchedulerKind::DDIM));
    run_sampler(*s, d, torch::randn({2, 4, 4, 4}), 7);
    QCOMPARE(calls, 7);
  }

  void guidanceCombinesBothPasses_data() {
    QTest::addColumn<double>("scale");
    QTest::addColumn<int>("cond_batch");
    QTest::newRow("4.5") << 4.5 << 3;
    QTest::newRow("0") << 0.0 << 3;
    QTest::newRow("7-broadcast") << 7.0 << 1;
  }
  void guidanceCombinesBothPasses() {
    QFETCH(double, scale);
    QFETCH(int, cond_batch);
    torch::manual_seed(2);
    const torch::Tensor cond = torch::randn({cond_batch, 2}), uncond = torch::randn({cond_batch, 2});
    int calls = 0;
    const Denoiser d = guided_denoiser(
        [&](const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& c) {
          ++calls;
          if (x.size(0) != 6 || t.size(0) != 6 || c.size(0) != 6) throw Error("not one doubled batch");
          return toy_conditional(x, t, c);
        },
        cond, uncond, scale);
    const torch::Tensor x = torch::randn({3, 4, 4, 4}), t = torch::full({3}, 400, torch::kLong);
    const torch::Tensor guided = d(x, t);
    QCOMPARE(calls, 1);
    const torch::Tensor c3 = cond.expand({3, 2}), u3 = uncond.expand({3, 2});
    const torch::Tensor u = toy_conditional(x, t, u3), c = toy_conditional(x, t, c3);
    QVERIFY(torch::allclose(guided, u + scale * (c - u), 1e-5, 1e-5));
    d(x, t);
    QCOMPARE(calls, 2);
  }

  void guidanceErrors() {
    const auto net = [](const torch::Tensor& x, const torch::Tensor&, const torch::Tensor&) { return x; };
    const auto throws = [](const std::function<void()>& f) {
      try {
        f();
      } catch (const Error&) {
        return true;
      }
      return false;
    };
    QVERIFY(throws([&] { guided_denoiser(net, torch::zeros({1, 3}), torch::Tensor(), 5.0); }));
    QVERIFY(throws([&] { guided_denoiser(net, torch::zeros({1, 3}), torch::zeros({1, 4}), 5.0); }));
    const Denoiser d = guided_denoiser(net, torch::zeros({2, 3}), torch::zeros({2, 3}), 5.0);
    QVERIFY(throws([&] { d(torch::zeros({3, 1}), torch::zeros({3}, torch::kLong)); }));  // batch 3 vs cond 2
  }

  void seededGeneratorIsDeterministic() {
    auto s = make_scheduler("ddpm", plain_config(SchedulerKind::DDPM));
    const torch::Tensor x_T = torch::randn({2, 4, 8, 8});
    const auto sample = [&](uint64_t seed) {
      return run_sampler(*s, toy_eps, x_T, 30, {}, at::detail::createCPUGenerator(seed)).sample;
    };
    const torch::Tensor a = sample(123), b = sample(123), c = sample(124);
    QVERIFY(torch::equal(a, b));
    QVERIFY(!torch::allclose(a, c));
    // Deterministic schedulers ignore the generator.
    auto dpm = make_scheduler("dpmpp", plain_config(SchedulerKind::DPMSolverMultistep));
    QVERIFY(torch::equal(run_sampler(*dpm, toy_eps, x_T, 10, {}, at::detail::createCPUGenerator(1)).sample,
                         run_sampler(*dpm, toy_eps, x_T, 10, {}, at::detail::createCPUGenerator(2)).sample));
  }

  // For data x0 ~ N(μ, σ²) the exact noise predictor is E[ε | x_t] = sqrt(1 − ᾱ)·(x_t − sqrt(ᾱ)·μ) /
  // (ᾱσ² + 1 − ᾱ); sampling with it must reproduce N(μ, σ²) up to the sampler's discretisation error.
  // Ancestral DDPM over all 1000 timesteps is exact. The deterministic samplers shrink the spread at 25 steps:
  // with this denoiser each step is affine in x, and composing those maps in closed form (float64) gives
  // std/σ = 0.8728 for DDIM ("leading") and 0.9519 for DPM-Solver++ 2M ("linspace"; its first-order form
  // would give 0.866), the means staying within 0.003 of μ.
  void perfectDenoiserSamplesTheDataDistribution_data() {
    QTest::addColumn<QString>("scheduler");
    QTest::addColumn<int>("steps");
    QTest::addColumn<double>("expected_std_ratio");
    QTest::newRow("ddpm-1000") << "ddpm" << 1000 << 1.0;
    QTest::newRow("ddim-25") << "ddim" << 25 << 0.8728;
    QTest::newRow("dpmpp-25") << "dpmpp" << 25 << 0.9519;
  }
  void perfectDenoiserSamplesTheDataDistribution() {
    QFETCH(QString, scheduler);
    QFETCH(int, steps);
    QFETCH(double, expected_std_ratio);
    const double mu = 0.7, sigma = 0.4;
    const SchedulerKind kind = parse_scheduler_kind(scheduler.toStdString());
    auto s = make_scheduler(kind, plain_config(kind));
    const torch::Tensor ac_table = s->alphas_cumprod().to(torch::kDouble);
    const Denoiser exact = [&](const torch::Tensor& x, const torch::Tensor& t) {
      const torch::Tensor ac = ac_table.index_select(0, t).view({-1, 1});
      return ((1 - ac).sqrt() * (x - ac.sqrt() * mu) / (ac * sigma * sigma + 1 - ac)).to(x.scalar_type());
    };
    auto gen = at::detail::createCPUGenerator(2024);
    const torch::Tensor x_T = torch::randn({64, 256}, gen);
    const torch::Tensor x = run_sampler(*s, exact, x_T, steps, {}, gen).sample;
    const double mean = x.mean().item<double>(), std = x.std().item<double>();
    qInfo("%s %d steps: mean %.4f (μ %.2f), std/σ %.4f (expected %.4f)", qPrintable(scheduler), steps, mean, mu,
          std / sigma, expected_std_ratio);
    QVERIFY2(std::abs(mean - mu) < 0.02, qPrintable(QString::number(mean)));
    QVERIFY2(std::abs(std / sigma - expected_std_ratio) < 0.025, qPrintable(QString::number(std / sigma)));
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestSampler)
#include "test_sampler.moc"
