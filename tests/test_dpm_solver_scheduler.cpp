// DPMSolverMultistepScheduler (DPM-Solver++ 2M): diffusers' golden trajectories (PixArt's config, with and
// without the lower-order final steps), exactness along q(x_t | x0), its step state, sigmas and errors.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include "core/diffusion/dpm_solver_scheduler.h"
#include "core/util/error.h"
#include "tests/support/scheduler_golden.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;

namespace {

// The DPM-Solver++ trajectories grow to |x| ≈ 1400, where a float32 ulp is 1.2e-4: 1e-4 absolute means bit
// equality there. diffusers computes the solver's coefficients with PyTorch's CPU kernels, whose sqrt, exp
// and log are not always correctly rounded; the scheduler therefore computes them with LibTorch's kernels
// too. With LibTorch 2.x (the PyTorch the goldens were made with) that reproduces them bit for bit, and the
// flat 1e-4 holds (no allowance). Debian's LibTorch 1.13 rounds sqrt, exp and log differently (correctly),
// so a step's two coefficients may each differ by an ulp. The error bound: each step adds at most two ulps of
// the step's scale (its coefficients are ratios of σ and α whose rounding differs by at most one ulp, and the
// update is a convex-like combination that does not amplify relative error), and what earlier steps added is
// carried along, scaled with the trajectory itself: after k steps at most 2k ulps of that step's largest
// |value|. The bound is stated, not fitted to a particular golden set. (DDPM and DDIM match bit for bit.)
constexpr double kGoldenUlpsPerStep = TORCH_VERSION_MAJOR >= 2 ? 0 : 2;

// A model that is exact for one (x0, ε) pair: whatever x_t it gets, it answers as if x_t = add_noise(x0, ε, t).
torch::Tensor exact_output(const Scheduler& s, PredictionType prediction, const torch::Tensor& x0,
                           const torch::Tensor& eps, int64_t t) {
  switch (prediction) {
    case PredictionType::Epsilon: return eps;
    case PredictionType::VPrediction: return s.get_velocity(x0, eps, torch::full({1}, t, torch::kLong));
    case PredictionType::Sample: return x0;
  }
  return {};
}

}  // namespace

class TestDpmSolverScheduler : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void goldenTrajectory_data() { test::add_scheduler_golden_rows(SchedulerKind::DPMSolverMultistep); }
  void goldenTrajectory() { test::check_scheduler_golden(kGoldenUlpsPerStep); }

  // With a constant data prediction both the first- and the second-order updates are exact: every step lands
  // on add_noise(x0, ε, next t) and the last (σ = 0) on x0.
  void exactAlongTheForwardPath_data() {
    QTest::addColumn<int>("prediction");
    QTest::addColumn<int>("steps");
    QTest::addColumn<int>("solver");
    QTest::newRow("epsilon-14-midpoint") << int(PredictionType::Epsilon) << 14 << int(DpmSolverType::Midpoint);
    QTest::newRow("epsilon-25-heun") << int(PredictionType::Epsilon) << 25 << int(DpmSolverType::Heun);
    QTest::newRow("v-20") << int(PredictionType::VPrediction) << 20 << int(DpmSolverType::Midpoint);
    QTest::newRow("sample-8") << int(PredictionType::Sample) << 8 << int(DpmSolverType::Midpoint);
  }
  void exactAlongTheForwardPath() {
    QFETCH(int, prediction);
    QFETCH(int, steps);
    QFETCH(int, solver);
    SchedulerConfig c = test::plain_scheduler_config(SchedulerKind::DPMSolverMultistep, static_cast<PredictionType>(prediction));
    c.solver_type = static_cast<DpmSolverType>(solver);
    DPMSolverMultistepScheduler s(c);
    s.set_timesteps(steps);
    torch::manual_seed(8);
    const torch::Tensor x0 = torch::randn({2, 3, 4, 4}), eps = torch::randn({2, 3, 4, 4});
    const auto& ts = s.timesteps();
    torch::Tensor x = s.add_noise(x0, eps, torch::full({1}, ts[0], torch::kLong));
    for (size_t i = 0; i < ts.size(); ++i) {
      const StepOutput out = s.step(exact_output(s, PredictionType(prediction), x0, eps, ts[i]), ts[i], x);
      QVERIFY(torch::allclose(out.pred_original_sample, x0, 1e-4, 1e-3));
      x = out.prev_sample;
      const torch::Tensor expected =
          i + 1 < ts.size() ? s.add_noise(x0, eps, torch::full({1}, ts[i + 1], torch::kLong)) : x0;
      QVERIFY2(torch::allclose(x, expected, 1e-4, 1e-4), qPrintable(QString("step %1").arg(i)));
    }
    QCOMPARE(s.step_index(), int64_t(steps));
  }

  void sigmas() {
    DPMSolverMultistepScheduler s(test::plain_scheduler_config(SchedulerKind::DPMSolverMultistep));
    s.set_timesteps(10);
    QCOMPARE(s.sigmas().size(), size_t(11));
    QCOMPARE(s.sigmas().back(), 0.0);
    const double ac = s.noise_schedule().alpha_cumprod(s.timesteps()[0]);
    QVERIFY(std::abs(s.sigmas()[0] - std::sqrt((1 - ac) / ac)) < 1e-5 * s.sigmas()[0]);
    SchedulerConfig c = test::plain_scheduler_config(SchedulerKind::DPMSolverMultistep);
    c.final_sigmas_type = FinalSigmasType::SigmaMin;
    DPMSolverMultistepScheduler m(c);
    m.set_timesteps(10);
    const double ac0 = m.noise_schedule().alpha_cumprod(0);
    QVERIFY(std::abs(m.sigmas().back() - std::sqrt((1 - ac0) / ac0)) < 1e-6);
  }

  // The solver remembers the previous x0 prediction: reset_state / set_timesteps start over, clone() copies
  // the state, stepping past the end is an error.
  void multistepState() {
    DPMSolverMultistepScheduler s(test::plain_scheduler_config(SchedulerKind::DPMSolverMultistep));
    s.set_timesteps(6);
    torch::manual_seed(9);
    const torch::Tensor W = torch::randn({4, 4}) * 0.3, x_T = torch::randn({1, 4, 4, 4});
    const auto run = [&](Scheduler& sch, torch::Tensor x, size_t from) {
      for (size_t i = from; i < sch.timesteps().size(); ++i) {
        const int64_t t = sch.timesteps()[i];
        x = sch.step(test::scheduler_golden_model(W, x, t), t, x).prev_sample;
      }
      return x;
    };
    const torch::Tensor first = run(s, x_T, 0);
    QVERIFY(test::error_of([&] { s.step(x_T, s.timesteps().back(), x_T); }).find("set_timesteps") != std::string::npos);
    s.reset_state();
    QCOMPARE(s.step_index(), int64_t(-1));
    QVERIFY(torch::equal(run(s, x_T, 0), first));
    s.set_timesteps(6);
    // Halfway, a clone carries on exactly as the original.
    torch::Tensor x = x_T;
    for (size_t i = 0; i < 3; ++i) {
      const int64_t t = s.timesteps()[i];
      x = s.step(test::scheduler_golden_model(W, x, t), t, x).prev_sample;
    }
    const auto copy = s.clone();
    QVERIFY(torch::equal(run(*copy, x, 3), first));
    QVERIFY(torch::equal(run(s, x, 3), first));
  }

  void keepsTheSampleDtype() {
    DPMSolverMultistepScheduler s(test::plain_scheduler_config(SchedulerKind::DPMSolverMultistep));
    DPMSolverMultistepScheduler r(test::plain_scheduler_config(SchedulerKind::DPMSolverMultistep));
    s.set_timesteps(5);
    r.set_timesteps(5);
    torch::manual_seed(10);
    const auto model = [](const torch::Tensor& x) { return 0.5 * x + 0.1; };  // a contracting stand-in
    torch::Tensor x = torch::randn({2, 4, 4, 4}), xb = x.to(torch::kBFloat16);
    for (int64_t t : s.timesteps()) {
      x = s.step(model(x), t, x).prev_sample;
      xb = r.step(model(xb), t, xb).prev_sample;
      QCOMPARE(xb.scalar_type(), torch::kBFloat16);
    }
    const double err = (xb.to(torch::kFloat) - x).abs().max().item<double>();
    QVERIFY2(err < 0.05 * x.abs().max().item<double>(), qPrintable(QString::number(err)));
    QVERIFY(!s.is_stochastic());
  }

  void configFromJson() {
    const auto json = nlohmann::json::parse(R"({"_class_name": "DPMSolverMultistepScheduler",
      "algorithm_type": "dpmsolver++", "solver_order": 2, "solver_type": "heun", "lower_order_final": false,
      "final_sigmas_type": "sigma_min", "variance_type": null, "use_karras_sigmas": false})");
    const SchedulerConfig c = scheduler_config_from_json(json, SchedulerKind::DPMSolverMultistep);
    QCOMPARE(c.timestep_spacing, TimestepSpacing::Linspace);  // DPMSolverMultistepScheduler's default
    QCOMPARE(c.solver_type, DpmSolverType::Heun);
    QCOMPARE(c.lower_order_final, false);
    QCOMPARE(c.final_sigmas_type, FinalSigmasType::SigmaMin);
    const auto reject = [](const char* text) {
      return test::error_of([&] {
        scheduler_config_from_json(nlohmann::json::parse(text), SchedulerKind::DPMSolverMultistep);
      });
    };
    QVERIFY(reject(R"({"use_karras_sigmas": true})").find("use_karras_sigmas") != std::string::npos);
    QVERIFY(reject(R"({"algorithm_type": "sde-dpmsolver++"})").find("sde-dpmsolver++") != std::string::npos);
    QVERIFY(reject(R"({"solver_order": 3})").find("solver_order 3") != std::string::npos);
    QCOMPARE(make_scheduler("dpmpp", c)->kind(), SchedulerKind::DPMSolverMultistep);
  }

  void argumentErrors_data() {
    QTest::addColumn<int>("steps");
    QTest::newRow("zero") << 0;
    QTest::newRow("negative") << -2;
    QTest::newRow("more-than-trained") << 1001;
  }
  void argumentErrors() {
    QFETCH(int, steps);
    DPMSolverMultistepScheduler s(test::plain_scheduler_config(SchedulerKind::DPMSolverMultistep));
    const std::string message = test::error_of([&] { s.set_timesteps(steps); });
    QVERIFY2(message.find("num_inference_steps") != std::string::npos, message.c_str());
    QVERIFY2(message.find(std::to_string(steps)) != std::string::npos, message.c_str());
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestDpmSolverScheduler)
#include "test_dpm_solver_scheduler.moc"
