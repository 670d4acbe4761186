// DDPMScheduler: diffusers' golden trajectories (with their recorded variance noise), the forward/reverse
// consistency of add_noise and step, noise sources, dtypes and argument errors.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include "core/diffusion/ddpm_scheduler.h"
#include "core/util/error.h"
#include "tests/support/scheduler_golden.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;

namespace {


}  // namespace

class TestDdpmScheduler : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void goldenTrajectory_data() { test::add_scheduler_golden_rows(SchedulerKind::DDPM); }
  void goldenTrajectory() { test::check_scheduler_golden(); }

  void timestepsFollowSpacing_data() {
    QTest::addColumn<int>("spacing");
    QTest::addColumn<int>("steps");
    QTest::addColumn<int>("offset");
    QTest::addColumn<std::vector<int64_t>>("expected");
    // np.linspace / arange results, worked by hand (round half to even).
    QTest::newRow("leading-4") << int(TimestepSpacing::Leading) << 4 << 0 << std::vector<int64_t>{750, 500, 250, 0};
    QTest::newRow("leading-4-offset") << int(TimestepSpacing::Leading) << 4 << 1
                                      << std::vector<int64_t>{751, 501, 251, 1};
    QTest::newRow("linspace-4") << int(TimestepSpacing::Linspace) << 4 << 0 << std::vector<int64_t>{999, 666, 333, 0};
    QTest::newRow("trailing-3") << int(TimestepSpacing::Trailing) << 3 << 0 << std::vector<int64_t>{999, 666, 332};
    QTest::newRow("all-1000") << int(TimestepSpacing::Leading) << 1000 << 0 << std::vector<int64_t>{};
  }
  void timestepsFollowSpacing() {
    QFETCH(int, spacing);
    QFETCH(int, steps);
    QFETCH(int, offset);
    QFETCH(std::vector<int64_t>, expected);
    SchedulerConfig c = test::plain_scheduler_config(SchedulerKind::DDPM);
    c.timestep_spacing = static_cast<TimestepSpacing>(spacing);
    c.steps_offset = offset;
    DDPMScheduler s(c);
    s.set_timesteps(steps);
    if (expected.empty())  // every training timestep, descending
      for (int64_t t = 999; t >= 0; --t) expected.push_back(t);
    QCOMPARE(s.timesteps(), expected);
    QCOMPARE(s.num_inference_steps(), int64_t(steps));
  }

  // From x_t = add_noise(x0, ε, t), the exact model output gives back x0 for every prediction type.
  void exactModelOutputRecoversX0_data() {
    QTest::addColumn<int>("prediction");
    QTest::newRow("epsilon") << int(PredictionType::Epsilon);
    QTest::newRow("v_prediction") << int(PredictionType::VPrediction);
    QTest::newRow("sample") << int(PredictionType::Sample);
  }
  void exactModelOutputRecoversX0() {
    QFETCH(int, prediction);
    DDPMScheduler s(test::plain_scheduler_config(SchedulerKind::DDPM, static_cast<PredictionType>(prediction)));
    s.set_timesteps(50);
    torch::manual_seed(3);
    const torch::Tensor x0 = torch::randn({3, 4, 8, 8}), eps = torch::randn({3, 4, 8, 8});
    for (int64_t t : {980, 500, 20}) {
      const torch::Tensor tt = torch::full({3}, t, torch::kLong);
      const torch::Tensor xt = s.add_noise(x0, eps, tt);
      const torch::Tensor out = prediction == int(PredictionType::Epsilon)       ? eps
                                : prediction == int(PredictionType::VPrediction) ? s.get_velocity(x0, eps, tt)
                                                                                 : x0;
      const StepOutput step = s.step(out, t, xt, torch::zeros_like(xt));
      QVERIFY2(torch::allclose(step.pred_original_sample, x0, 1e-4, 2e-3), qPrintable(QString::number(t)));
    }
  }

  // The reverse step preserves the forward marginals: for x_t ~ q(x_t | x0) and the exact ε, the sample after
  // the step is distributed as q(x_prev | x0) = N(sqrt(ᾱ_prev)·x0, 1 − ᾱ_prev).
  void stepPreservesForwardMarginals() {
    DDPMScheduler s(test::plain_scheduler_config(SchedulerKind::DDPM));
    s.set_timesteps(20);
    auto gen = at::detail::createCPUGenerator(11);
    const int64_t n = 200000;
    const torch::Tensor x0 = torch::full({n}, 0.8);
    for (int64_t t : {950, 500, 100}) {
      const torch::Tensor eps = torch::randn({n}, gen);
      const torch::Tensor xt = s.add_noise(x0, eps, torch::full({1}, t, torch::kLong));
      const torch::Tensor prev = s.step(eps, t, xt, gen).prev_sample;
      const double ac_prev = s.noise_schedule().alpha_cumprod(s.previous_timestep(t));
      QVERIFY(std::abs(prev.mean().item<double>() - std::sqrt(ac_prev) * 0.8) < 0.01);
      QVERIFY(std::abs(prev.var().item<double>() / (1.0 - ac_prev) - 1.0) < 0.02);
    }
  }

  void alphasCumprodMatchTheLinearSchedule() {
    DDPMScheduler s(test::plain_scheduler_config(SchedulerKind::DDPM));
    const torch::Tensor ac = s.alphas_cumprod();
    QCOMPARE(ac.numel(), int64_t(1000));
    QCOMPARE(ac.scalar_type(), torch::kFloat);
    const torch::Tensor betas = torch::linspace(1e-4, 0.02, 1000, torch::kDouble);
    const torch::Tensor expected = torch::cumprod(1.0 - betas, 0);
    QVERIFY(torch::allclose(ac.to(torch::kDouble), expected, 1e-5, 1e-7));
    QCOMPARE(s.noise_schedule().alpha_cumprod(999), double(ac[999].item<float>()));
  }

  void noiseSources() {
    DDPMScheduler s(test::plain_scheduler_config(SchedulerKind::DDPM));
    s.set_timesteps(10);
    torch::manual_seed(5);
    const torch::Tensor x = torch::randn({2, 4, 4, 4}), eps = torch::randn({2, 4, 4, 4});
    const int64_t t = s.timesteps()[3];
    // The same seed gives the same step; the explicit tensor enters as std·noise.
    const auto a = s.step(eps, t, x, at::detail::createCPUGenerator(42)).prev_sample;
    const auto b = s.step(eps, t, x, at::detail::createCPUGenerator(42)).prev_sample;
    const auto c = s.step(eps, t, x, at::detail::createCPUGenerator(43)).prev_sample;
    QVERIFY(torch::equal(a, b));
    QVERIFY(!torch::allclose(a, c));
    const torch::Tensor noise = torch::randn_like(x);
    const auto mean = s.step(eps, t, x, torch::zeros_like(x)).prev_sample;
    const auto noisy = s.step(eps, t, x, noise).prev_sample;
    const double ac = s.noise_schedule().alpha_cumprod(t), ac_prev = s.noise_schedule().alpha_cumprod(t - 100);
    const double variance = (1 - ac_prev) / (1 - ac) * (1 - ac / ac_prev);
    QVERIFY(torch::allclose(noisy - mean, std::sqrt(variance) * noise, 1e-4, 1e-5));
    // The last step (t = 0) adds no noise.
    const auto last1 = s.step(eps, 0, x, at::detail::createCPUGenerator(1)).prev_sample;
    const auto last2 = s.step(eps, 0, x, at::detail::createCPUGenerator(2)).prev_sample;
    QVERIFY(torch::equal(last1, last2));
    QVERIFY(s.is_stochastic());
  }

  void keepsTheSampleDtype() {
    DDPMScheduler s(test::plain_scheduler_config(SchedulerKind::DDPM));
    s.set_timesteps(10);
    torch::manual_seed(6);
    const torch::Tensor x = torch::randn({2, 4, 4, 4}), eps = torch::randn({2, 4, 4, 4});
    const torch::Tensor noise = torch::randn({2, 4, 4, 4});
    const auto f32 = s.step(eps, 500, x, noise);
    const auto bf16 = s.step(eps.to(torch::kBFloat16), 500, x.to(torch::kBFloat16), noise);
    QCOMPARE(bf16.prev_sample.scalar_type(), torch::kBFloat16);
    QCOMPARE(bf16.pred_original_sample.scalar_type(), torch::kBFloat16);
    QVERIFY(torch::allclose(bf16.prev_sample.to(torch::kFloat), f32.prev_sample, 2e-2, 2e-2));
  }

  void clipSampleClampsX0() {
    SchedulerConfig c = test::plain_scheduler_config(SchedulerKind::DDPM);
    c.clip_sample = true;
    c.clip_sample_range = 0.5;
    DDPMScheduler s(c);
    s.set_timesteps(10);
    const torch::Tensor x = torch::full({1, 1, 2, 2}, 3.0), eps = torch::zeros({1, 1, 2, 2});
    const auto out = s.step(eps, 900, x, torch::zeros_like(x));
    QCOMPARE(out.pred_original_sample.max().item<double>(), 0.5);
  }

  void argumentErrors_data() {
    QTest::addColumn<int>("steps");
    QTest::newRow("zero") << 0;
    QTest::newRow("negative") << -3;
    QTest::newRow("more-than-trained") << 1001;
  }
  void argumentErrors() {
    QFETCH(int, steps);
    DDPMScheduler s(test::plain_scheduler_config(SchedulerKind::DDPM));
    const std::string message = test::error_of([&] { s.set_timesteps(steps); });
    QVERIFY2(message.find("num_inference_steps") != std::string::npos, message.c_str());
    QVERIFY2(message.find(std::to_string(steps)) != std::string::npos, message.c_str());
  }
  void stepErrors() {
    DDPMScheduler s(test::plain_scheduler_config(SchedulerKind::DDPM));
    const torch::Tensor x = torch::zeros({1, 4, 2, 2});
    QVERIFY(test::error_of([&] { s.step(x, 10, x); }).find("set_timesteps") != std::string::npos);
    s.set_timesteps(10);
    QVERIFY(test::error_of([&] { s.step(x, 1000, x); }).find("timestep 1000") != std::string::npos);
    QVERIFY(test::error_of([&] { s.step(torch::zeros({1, 4, 2, 3}), 10, x); }).find("does not match") != std::string::npos);
    QVERIFY(test::error_of([&] { s.step(x, 10, x, torch::zeros({2})); }).find("noise") != std::string::npos);
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestDdpmScheduler)
#include "test_ddpm_scheduler.moc"
