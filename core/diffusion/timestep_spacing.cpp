#include "core/diffusion/timestep_spacing.h"

#include <algorithm>
#include <cmath>

#include "core/util/error.h"

namespace lorastudio {
namespace {

// np.round: half to even (the default floating-point rounding mode).
int64_t round_half_even(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

// np.linspace(start, stop, num) (endpoint included): i·((stop − start)/(num − 1)) + start, last set to stop.
std::vector<double> linspace(double start, double stop, int64_t num) {
  std::vector<double> y(static_cast<size_t>(std::max<int64_t>(num, 0)));
  if (num == 1) {
    y[0] = start;
    return y;
  }
  const double step = (stop - start) / static_cast<double>(num - 1);
  for (int64_t i = 0; i < num; ++i) y[i] = static_cast<double>(i) * step + start;
  if (num > 1) y.back() = stop;
  return y;
}

// np.arange(start, stop, step) for floats: ceil((stop − start)/step) values start + i·((start + step) − start).
std::vector<double> arange(double start, double stop, double step) {
  const double len = std::ceil((stop - start) / step);
  std::vector<double> y(static_cast<size_t>(std::max(len, 0.0)));
  const double delta = (start + step) - start;
  for (size_t i = 0; i < y.size(); ++i) y[i] = start + static_cast<double>(i) * delta;
  return y;
}

std::vector<int64_t> rounded_descending(const std::vector<double>& ascending) {
  std::vector<int64_t> out;
  out.reserve(ascending.size());
  for (auto it = ascending.rbegin(); it != ascending.rend(); ++it) out.push_back(round_half_even(*it));
  return out;
}

}  // namespace

void check_num_inference_steps(int64_t num_inference_steps, int64_t num_train_timesteps) {
  if (num_inference_steps <= 0)
    throw Error("set_timesteps: num_inference_steps must be positive, got " + std::to_string(num_inference_steps));
  if (num_inference_steps > num_train_timesteps)
    throw Error("set_timesteps: num_inference_steps (" + std::to_string(num_inference_steps) +
                ") cannot be larger than num_train_timesteps (" + std::to_string(num_train_timesteps) +
                "): the model was trained on that many timesteps only");
}

std::vector<int64_t> ddpm_timesteps(TimestepSpacing spacing, int64_t T, int64_t n, int64_t steps_offset) {
  check_num_inference_steps(n, T);
  std::vector<int64_t> t;
  switch (spacing) {
    case TimestepSpacing::Linspace:
      t = rounded_descending(linspace(0.0, static_cast<double>(T - 1), n));
      break;
    case TimestepSpacing::Leading: {
      const int64_t ratio = T / n;
      for (int64_t i = n - 1; i >= 0; --i) t.push_back(i * ratio + steps_offset);
      break;
    }
    case TimestepSpacing::Trailing: {
      const std::vector<double> a = arange(static_cast<double>(T), 0.0, -static_cast<double>(T) / n);
      for (double v : a) t.push_back(round_half_even(v) - 1);
      break;
    }
  }
  return t;
}

std::vector<int64_t> dpm_solver_timesteps(TimestepSpacing spacing, int64_t T, int64_t last, int64_t n,
                                          int64_t steps_offset) {
  check_num_inference_steps(n, T);
  std::vector<int64_t> t;
  switch (spacing) {
    case TimestepSpacing::Linspace:
      t = rounded_descending(linspace(0.0, static_cast<double>(last - 1), n + 1));
      t.pop_back();
      break;
    case TimestepSpacing::Leading: {
      const int64_t ratio = last / (n + 1);
      for (int64_t i = n; i >= 1; --i) t.push_back(i * ratio + steps_offset);
      break;
    }
    case TimestepSpacing::Trailing: {
      const std::vector<double> a = arange(static_cast<double>(last), 0.0, -static_cast<double>(T) / n);
      for (double v : a) t.push_back(round_half_even(v) - 1);
      break;
    }
  }
  return t;
}

}  // namespace lorastudio
