#include "core/diffusion/noise_schedule.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <torch/torch.h>

#include "core/util/error.h"

namespace lorastudio {
namespace {

// diffusers' betas_for_alpha_bar with the cosine ᾱ(t) of Nichol & Dhariwal (computed in double, then float32).
torch::Tensor cosine_betas(int64_t n) {
  const auto alpha_bar = [](double t) {
    const double c = std::cos((t + 0.008) / 1.008 * M_PI / 2.0);
    return c * c;
  };
  std::vector<float> betas(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double t1 = static_cast<double>(i) / n, t2 = static_cast<double>(i + 1) / n;
    betas[i] = static_cast<float>(std::min(1.0 - alpha_bar(t2) / alpha_bar(t1), 0.999));
  }
  return torch::tensor(betas, torch::kFloat);
}

// torch.linspace(start, end, n, dtype=float32) as PyTorch 2's CPU kernel computes it on x86-64 (where the
// compiler contracts the multiply-add into an FMA): start + step·i for the first half, end − step·(n − 1 − i)
// for the second, step = (end − start)/(n − 1) in float32. Reproduced here rather than calling LibTorch's
// linspace, whose rounding differs between versions and builds, so betas match diffusers' bit for bit.
torch::Tensor linspace_f32(double start_d, double end_d, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  const float start = static_cast<float>(start_d), end = static_cast<float>(end_d);
  if (n == 1) {
    v[0] = start;
  } else {
    const float step = (end - start) / static_cast<float>(n - 1);
    const int64_t halfway = n / 2;
    for (int64_t i = 0; i < n; ++i)
      v[i] = i < halfway ? std::fma(step, static_cast<float>(i), start)
                         : std::fma(-step, static_cast<float>(n - 1 - i), end);
  }
  return torch::tensor(v, torch::kFloat);
}

torch::Tensor make_betas(const SchedulerConfig& c) {
  const int64_t n = c.num_train_timesteps;
  if (n <= 0) throw Error("noise schedule: num_train_timesteps must be positive, got " + std::to_string(n));
  if (!c.trained_betas.empty()) {
    if (static_cast<int64_t>(c.trained_betas.size()) != n)
      throw Error("noise schedule: trained_betas has " + std::to_string(c.trained_betas.size()) +
                  " values, num_train_timesteps is " + std::to_string(n));
    return torch::tensor(c.trained_betas, torch::kDouble).to(torch::kFloat);
  }
  switch (c.beta_schedule) {
    case BetaSchedule::Linear:
      return linspace_f32(c.beta_start, c.beta_end, n);
    case BetaSchedule::ScaledLinear:
      return linspace_f32(std::sqrt(c.beta_start), std::sqrt(c.beta_end), n).square();
    case BetaSchedule::SquaredCosCapV2:
      return cosine_betas(n);
  }
  throw Error("noise schedule: unknown beta_schedule");
}

}  // namespace

NoiseSchedule::NoiseSchedule(const SchedulerConfig& config) {
  betas_ = make_betas(config).contiguous();
  const double lo = betas_.min().item<double>(), hi = betas_.max().item<double>();
  if (!(lo > 0.0) || !(hi < 1.0))
    throw Error("noise schedule: betas must lie in (0, 1), got [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "]");
  // α = 1 − β in float32; ᾱ = cumprod(α), which PyTorch accumulates in double on the CPU.
  const int64_t n = betas_.numel();
  const float* beta = betas_.data_ptr<float>();
  std::vector<float> alphas(static_cast<size_t>(n)), alphas_cumprod(static_cast<size_t>(n));
  double product = 1.0;
  for (int64_t i = 0; i < n; ++i) {
    alphas[i] = 1.0f - beta[i];
    product *= alphas[i];
    alphas_cumprod[i] = static_cast<float>(product);
  }
  alphas_ = torch::tensor(alphas, torch::kFloat);
  alphas_cumprod_ = torch::tensor(alphas_cumprod, torch::kFloat);
  alphas_cumprod_host_.assign(alphas_cumprod.begin(), alphas_cumprod.end());
}

double NoiseSchedule::alpha_cumprod(int64_t t) const {
  if (t < 0 || t >= num_train_timesteps())
    throw Error("timestep " + std::to_string(t) + " is outside [0, " + std::to_string(num_train_timesteps()) + ")");
  return alphas_cumprod_host_[static_cast<size_t>(t)];
}

std::pair<torch::Tensor, torch::Tensor> NoiseSchedule::coefficients(const torch::Tensor& t,
                                                                    const torch::Tensor& like) const {
  if (!t.defined() || at::isFloatingType(t.scalar_type()) || t.dim() > 1)
    throw Error("add_noise: timesteps must be an integer tensor [B] or a scalar");
  if (t.device().is_cpu() && t.numel() > 0) {  // device timesteps are not checked: that would sync
    const int64_t lo = t.min().item<int64_t>(), hi = t.max().item<int64_t>();
    if (lo < 0 || hi >= num_train_timesteps())
      throw Error("add_noise: timesteps must lie in [0, " + std::to_string(num_train_timesteps()) + "), got [" +
                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  const auto dtype = like.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  const torch::Tensor table = alphas_cumprod_.to(like.device(), dtype);
  const torch::Tensor ac = table.index_select(0, t.reshape({-1}).to(like.device(), torch::kLong));
  if (ac.size(0) != 1 && (like.dim() == 0 || ac.size(0) != like.size(0)))
    throw Error("add_noise: " + std::to_string(ac.size(0)) + " timesteps for a batch of " +
                std::to_string(like.dim() ? like.size(0) : 0));
  std::vector<int64_t> shape(static_cast<size_t>(std::max<int64_t>(like.dim(), 1)), 1);
  shape[0] = ac.size(0);
  return {ac.sqrt().reshape(shape), (1.0 - ac).sqrt().reshape(shape)};
}

torch::Tensor NoiseSchedule::add_noise(const torch::Tensor& x0, const torch::Tensor& noise,
                                       const torch::Tensor& t) const {
  const auto [a, s] = coefficients(t, x0);
  return (a * x0.to(a.scalar_type()) + s * noise.to(a.scalar_type())).to(x0.scalar_type());
}

torch::Tensor NoiseSchedule::get_velocity(const torch::Tensor& x0, const torch::Tensor& noise,
                                          const torch::Tensor& t) const {
  const auto [a, s] = coefficients(t, x0);
  return (a * noise.to(a.scalar_type()) - s * x0.to(a.scalar_type())).to(x0.scalar_type());
}

}  // namespace lorastudio
