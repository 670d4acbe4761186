// DDIMScheduler: diffusers' golden trajectories (leading, trailing, cosine + v-prediction), the exactness of
// deterministic DDIM along q(x_t | x0), eta > 0 marginals, config parsing and argument errors.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include "core/diffusion/ddim_scheduler.h"
#include "core/util/error.h"
#include "tests/support/scheduler_golden.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;

namespace {


}  // namespace

class TestDdimScheduler : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void goldenTrajectory_data() { test::add_scheduler_golden_rows(SchedulerKind::DDIM); }
  void goldenTrajectory() { test::check_scheduler_golden(); }

  // Deterministic DDIM is exact along a forward path: from x_t = add_noise(x0, ε, t) and the exact model
  // output it lands on add_noise(x0, ε, prev_t), and on x0 itself after the last step.
  void deterministicStepFollowsTheForwardPath_data() {
    QTest::addColumn<int>("prediction");
    QTest::addColumn<int>("spacing");
    QTest::newRow("epsilon-leading") << int(PredictionType::Epsilon) << int(TimestepSpacing::Leading);
    QTest::newRow("v-trailing") << int(PredictionType::VPrediction) << int(TimestepSpacing::Trailing);
    QTest::newRow("sample-linspace") << int(PredictionType::Sample) << int(TimestepSpacing::Linspace);
  }
  void deterministicStepFollowsTheForwardPath() {
    QFETCH(int, prediction);
    QFETCH(int, spacing);
    SchedulerConfig c = test::plain_scheduler_config(SchedulerKind::DDIM, static_cast<PredictionType>(prediction));
    c.timestep_spacing = static_cast<TimestepSpacing>(spacing);
    DDIMScheduler s(c);
    s.set_timesteps(10);
    torch::manual_seed(4);
    const torch::Tensor x0 = torch::randn({2, 3, 4, 4}), eps = torch::randn({2, 3, 4, 4});
    const auto at = [](int64_t t) { return torch::full({2}, t, torch::kLong); };
    for (int64_t t : s.timesteps()) {
      const torch::Tensor out = prediction == int(PredictionType::Epsilon)       ? eps
                                : prediction == int(PredictionType::VPrediction) ? s.get_velocity(x0, eps, at(t))
                                                                                 : x0;
      const StepOutput step = s.step(out, t, s.add_noise(x0, eps, at(t)));
      QVERIFY(torch::allclose(step.pred_original_sample, x0, 1e-4, 2e-3));
      // prev_t = t − T/n, which "linspace" and "trailing" timesteps need not land on.
      const int64_t prev = s.previous_timestep(t);
      const torch::Tensor expected = prev >= 0 ? s.add_noise(x0, eps, at(prev)) : x0;
      QVERIFY2(torch::allclose(step.prev_sample, expected, 1e-4, 1e-4), qPrintable(QString("from t = %1").arg(t)));
    }
  }

  // With eta > 0 the step is stochastic and still preserves the forward marginals q(x_prev | x0).
  void etaStepPreservesForwardMarginals() {
    SchedulerConfig c = test::plain_scheduler_config(SchedulerKind::DDIM);
    c.eta = 1.0;
    DDIMScheduler s(c);
    QVERIFY(s.is_stochastic());
    s.set_timesteps(25);
    auto gen = at::detail::createCPUGenerator(17);
    const int64_t n = 200000;
    const torch::Tensor x0 = torch::full({n}, -0.6);
    for (int64_t t : {960, 520, 80}) {
      const torch::Tensor eps = torch::randn({n}, gen);
      const torch::Tensor xt = s.add_noise(x0, eps, torch::full({1}, t, torch::kLong));
      const torch::Tensor prev = s.step(eps, t, xt, gen).prev_sample;
      const double ac_prev = s.noise_schedule().alpha_cumprod(s.previous_timestep(t));
      QVERIFY(std::abs(prev.mean().item<double>() + std::sqrt(ac_prev) * 0.6) < 0.01);
      QVERIFY(std::abs(prev.var().item<double>() / (1.0 - ac_prev) - 1.0) < 0.02);
    }
    // eta = 0 ignores any noise.
    DDIMScheduler d(test::plain_scheduler_config(SchedulerKind::DDIM));
    d.set_timesteps(25);
    QVERIFY(!d.is_stochastic());
    const torch::Tensor x = torch::randn({4, 4}), e = torch::randn({4, 4});
    QVERIFY(torch::equal(d.step(e, 520, x, torch::randn({4, 4})).prev_sample, d.step(e, 520, x).prev_sample));
  }

  void finalAlphaCumprod() {
    SchedulerConfig c = test::plain_scheduler_config(SchedulerKind::DDIM);
    DDIMScheduler one(c);
    QCOMPARE(one.final_alpha_cumprod(), 1.0);
    c.set_alpha_to_one = false;
    DDIMScheduler first(c);
    QCOMPARE(first.final_alpha_cumprod(), double(first.alphas_cumprod()[0].item<float>()));
  }

  void cosineScheduleBetas() {
    SchedulerConfig c = test::plain_scheduler_config(SchedulerKind::DDIM);
    c.beta_schedule = BetaSchedule::SquaredCosCapV2;
    DDIMScheduler s(c);
    const auto f = [](double t) { return std::pow(std::cos((t + 0.008) / 1.008 * M_PI / 2), 2); };
    for (int64_t t : {0, 500, 998})
      QVERIFY(std::abs(s.noise_schedule().betas()[t].item<double>() - (1 - f((t + 1) / 1000.0) / f(t / 1000.0))) <
              1e-7);
    QCOMPARE(s.noise_schedule().betas()[999].item<float>(), 0.999f);  // capped
  }

  void configFromJson() {
    const auto json = nlohmann::json::parse(R"({"_class_name": "DDIMScheduler", "beta_schedule": "scaled_linear",
      "beta_start": 0.00085, "beta_end": 0.012, "clip_sample": false, "set_alpha_to_one": false,
      "steps_offset": 1, "prediction_type": "v_prediction", "timestep_spacing": "trailing",
      "trained_betas": null, "thresholding": false})");
    const SchedulerConfig c = scheduler_config_from_json(json, SchedulerKind::DDIM);
    QCOMPARE(c.beta_schedule, BetaSchedule::ScaledLinear);
    QCOMPARE(c.beta_start, 0.00085);
    QCOMPARE(c.clip_sample, false);
    QCOMPARE(c.set_alpha_to_one, false);
    QCOMPARE(c.steps_offset, int64_t(1));
    QCOMPARE(c.prediction_type, PredictionType::VPrediction);
    QCOMPARE(c.timestep_spacing, TimestepSpacing::Trailing);
    QVERIFY(test::error_of([] {
              scheduler_config_from_json(nlohmann::json::parse(R"({"thresholding": true})"), SchedulerKind::DDIM);
            }).find("thresholding") != std::string::npos);
    QVERIFY(test::error_of([] {
              scheduler_config_from_json(nlohmann::json::parse(R"({"beta_schedule": "quadratic"})"),
                                         SchedulerKind::DDIM);
            }).find("quadratic") != std::string::npos);
    QVERIFY(test::error_of([] { make_scheduler("euler", {}); }).find("euler") != std::string::npos);
    QCOMPARE(make_scheduler("ddim", c)->kind(), SchedulerKind::DDIM);
  }




  void argumentErrors_data() {
    QTest::addColumn<int>("steps");
    QTest::newRow("zero") << 0;
    QTest::newRow("negative") << -1;
    QTest::newRow("more-than-trained") << 1001;
  }
  void argumentErrors() {
    QFETCH(int, steps);
    DDIMScheduler s(test::plain_scheduler_config(SchedulerKind::DDIM));
    const std::string message = test::error_of([&] { s.set_timesteps(steps); });
    QVERIFY2(message.find("num_inference_steps") != std::string::npos, message.c_str());
    QVERIFY2(message.find(std::to_string(steps)) != std::string::npos, message.c_str());
    QVERIFY(s.timesteps().empty());
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestDdimScheduler)
#include "test_ddim_scheduler.moc"
