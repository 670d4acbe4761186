#pragma once
// The scheduler goldens (shared/golden/schedulers): trajectories of diffusers' DDPM, DDIM and DPM-Solver++
// schedulers driven by a fake linear model, and the replay of one run with our schedulers.
// Header-only, shared by test_ddpm_scheduler, test_ddim_scheduler and test_dpm_solver_scheduler.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diffusion/scheduler.h"
#include "core/io/safetensors_reader.h"
#include "core/util/error.h"
#include "tests/support/test_paths.h"

namespace lorastudio::test {

inline std::string scheduler_golden_json_path() { return golden_path("schedulers/golden.json"); }
inline std::string scheduler_golden_tensors_path() { return golden_path("schedulers/golden.safetensors"); }

// Runs are named after their scheduler: ddpm_*, ddim_*, dpmpp*.
inline SchedulerKind scheduler_golden_kind(const std::string& run) {
  if (run.rfind("ddpm", 0) == 0) return SchedulerKind::DDPM;
  if (run.rfind("ddim", 0) == 0) return SchedulerKind::DDIM;
  if (run.rfind("dpmpp", 0) == 0) return SchedulerKind::DPMSolverMultistep;
  throw std::runtime_error("golden run of unknown scheduler: " + run);
}

inline nlohmann::json scheduler_golden_json() {
  std::ifstream in(scheduler_golden_json_path());
  return nlohmann::json::parse(in);
}

// The golden runs of one scheduler kind (empty when golden.json is absent).
inline std::vector<std::string> scheduler_golden_runs(SchedulerKind kind) {
  std::vector<std::string> runs;
  if (!exists(scheduler_golden_json_path())) return runs;
  const nlohmann::json golden = scheduler_golden_json();
  for (const auto& run : golden.at("runs").items())
    if (scheduler_golden_kind(run.key()) == kind) runs.push_back(run.key());
  return runs;
}

// golden.json's fake_model: eps(x, t) = einsum('ij,bjhw->bihw', W, x)·cos(t/300) + 0.05·sin(t/50), rounded as
// the reference computed it: the 4-term contraction as a chain of float32 FMAs (what BLAS does for K = 4,
// whereas LibTorch's einsum rounds differently from version to version), cos and sin in double then float32.
inline torch::Tensor scheduler_golden_model(const torch::Tensor& W, const torch::Tensor& x, int64_t t) {
  const torch::Tensor w = W.to(torch::kFloat).contiguous(), xc = x.to(torch::kFloat).contiguous();
  const int64_t batch = xc.size(0), channels = xc.size(1), plane = xc.numel() / (batch * channels);
  torch::Tensor out = torch::empty_like(xc);
  const float* wp = w.data_ptr<float>();
  const float* xp = xc.data_ptr<float>();
  float* op = out.data_ptr<float>();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < channels; ++i)
      for (int64_t p = 0; p < plane; ++p) {
        float acc = 0.0f;
        for (int64_t j = 0; j < channels; ++j) acc = std::fma(wp[i * channels + j], xp[(b * channels + j) * plane + p], acc);
        op[(b * channels + i) * plane + p] = acc;
      }
  const double td = static_cast<double>(t);
  return (out * std::cos(td / 300.0) + 0.05 * std::sin(td / 50.0)).to(x.scalar_type());
}

struct SchedulerGoldenReplay {
  std::vector<int64_t> timesteps, expected_timesteps;
  int64_t steps = 0;
  double max_abs_error = 0;    // over the whole trajectory
  double max_ulp_error = 0;    // per step, in float32 ulps of the step's largest golden |value|
  double max_ulps_per_step = 0;  // the same divided by the steps taken so far (what ulps_per_step bounds)
  double final_abs_error = 0;  // of the last sample
  int64_t worst_step = -1;
  bool within_tolerance = true;  // step i within max(abs_tolerance, (i + 1) · ulps_per_step of those ulps)
};

// Replays a run: the scheduler made from the run's config, x_T through the fake model, each sample compared
// with the golden trajectory (the run's own recorded noise for DDPM).
inline SchedulerGoldenReplay replay_scheduler_golden(const std::string& run, double abs_tolerance = 1e-4,
                                                     double ulps_per_step = 0) {
  const nlohmann::json spec = scheduler_golden_json().at("runs").at(run);
  const SchedulerKind kind = scheduler_golden_kind(run);
  const auto scheduler = make_scheduler(kind, scheduler_config_from_json(spec.at("config"), kind));
  SchedulerGoldenReplay r;
  r.steps = spec.at("steps").get<int64_t>();
  scheduler->set_timesteps(r.steps);
  r.timesteps = scheduler->timesteps();

  const SafetensorsReader st(scheduler_golden_tensors_path());
  const torch::Tensor expected_t = st.tensor(run + "/timesteps").to(torch::kLong).contiguous();
  r.expected_timesteps.assign(expected_t.data_ptr<int64_t>(), expected_t.data_ptr<int64_t>() + expected_t.numel());
  const torch::Tensor W = st.tensor("W");
  const torch::Tensor trajectory = st.tensor(run + "/trajectory");
  const torch::Tensor noise = st.contains(run + "/noise") ? st.tensor(run + "/noise") : torch::Tensor();

  torch::Tensor x = st.tensor("x_T").clone();
  const int64_t n = std::min<int64_t>(static_cast<int64_t>(r.timesteps.size()), trajectory.size(0));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = r.timesteps[static_cast<size_t>(i)];
    const StepNoise step_noise = noise.defined() ? StepNoise(noise[i]) : StepNoise();
    x = scheduler->step(scheduler_golden_model(W, x, t), t, x, step_noise).prev_sample;
    const torch::Tensor diff = (x - trajectory[i]).abs();
    const torch::Tensor golden = trajectory[i].abs();
    const float scale = golden.max().item<float>();
    const double ulp = static_cast<double>(std::nextafter(scale, INFINITY) - scale);
    const double err = diff.max().item<double>();
    if (!(err <= r.max_abs_error)) r.max_abs_error = err, r.worst_step = i;  // NaN counts as worst
    r.max_ulp_error = std::max(r.max_ulp_error, err / ulp);
    r.max_ulps_per_step = std::max(r.max_ulps_per_step, err / ulp / double(i + 1));
    if (!(err <= std::max(abs_tolerance, ulps_per_step * double(i + 1) * ulp))) r.within_tolerance = false;
    if (i == n - 1) r.final_abs_error = err;
  }
  if (n < trajectory.size(0)) r.max_abs_error = INFINITY, r.within_tolerance = false;  // too few timesteps
  return r;
}

// The shared scaffolding of the three scheduler test classes.

constexpr double kSchedulerGoldenTolerance = 1e-4;  // golden.json: "max abs 1e-4"

// The kind's defaults with clip_sample off and the given prediction type.
inline SchedulerConfig plain_scheduler_config(SchedulerKind kind, PredictionType prediction = PredictionType::Epsilon) {
  SchedulerConfig c = scheduler_defaults(kind);
  c.clip_sample = false;
  c.prediction_type = prediction;
  return c;
}

// The message of the Error that f throws ("" when it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// goldenTrajectory_data(): one row "run" per golden run of the kind (a placeholder row when there is none).
inline void add_scheduler_golden_rows(SchedulerKind kind) {
  QTest::addColumn<QString>("run");
  const auto runs = scheduler_golden_runs(kind);
  if (runs.empty()) QTest::newRow("golden-missing") << QString();
  for (const auto& run : runs) QTest::newRow(run.c_str()) << QString::fromStdString(run);
}

// goldenTrajectory(): replays the row's run and checks timesteps and trajectory (the test's last statement).
inline void check_scheduler_golden(double ulps_per_step = 0) {
  QFETCH(QString, run);
  LS_REQUIRE_FILE(scheduler_golden_json_path());
  LS_REQUIRE_FILE(scheduler_golden_tensors_path());
  if (run.isEmpty()) QSKIP("golden.json has no run of this scheduler");
  const auto r = replay_scheduler_golden(run.toStdString(), kSchedulerGoldenTolerance, ulps_per_step);
  QCOMPARE(r.timesteps, r.expected_timesteps);
  qInfo("%s: max abs error %.3g (%.2g ulps, %.2g ulps per step taken; worst at step %lld), final %.3g", qPrintable(run),
        r.max_abs_error, r.max_ulp_error, r.max_ulps_per_step, static_cast<long long>(r.worst_step), r.final_abs_error);
  QVERIFY2(r.within_tolerance, qPrintable(QString("max abs error %1 (%2 ulps)").arg(r.max_abs_error).arg(r.max_ulp_error)));
}

}  // namespace lorastudio::test
