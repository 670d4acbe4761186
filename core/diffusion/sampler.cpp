#include "core/diffusion/sampler.h"

#include <mutex>

#include <torch/torch.h>

#include "core/util/error.h"

namespace lorastudio {
namespace {

// `c` with batch `batch`: itself, or its single row repeated.
torch::Tensor batched(const torch::Tensor& c, int64_t batch, const char* what) {
  if (c.dim() == 0) throw Error(std::string("guided_denoiser: the ") + what + " conditioning has no batch dimension");
  if (c.size(0) == batch) return c;
  if (c.size(0) == 1) {
    std::vector<int64_t> shape = c.sizes().vec();
    shape[0] = batch;
    return c.expand(shape).contiguous();
  }
  throw Error(std::string("guided_denoiser: the ") + what + " conditioning has batch " + std::to_string(c.size(0)) +
              ", the sample " + std::to_string(batch));
}

// The conditioning batched for the last batch size seen (built once, not per step).
class ConditioningCache {
 public:
  explicit ConditioningCache(std::function<torch::Tensor(int64_t)> build) : build_(std::move(build)) {}
  torch::Tensor get(int64_t batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (batch != batch_) value_ = build_(batch), batch_ = batch;
    return value_;
  }

 private:
  std::function<torch::Tensor(int64_t)> build_;
  std::mutex mutex_;
  int64_t batch_ = -1;
  torch::Tensor value_;
};

}  // namespace

SampleResult run_sampler(Scheduler& scheduler, const Denoiser& denoiser, torch::Tensor x_T, int num_steps,
                         const StepCallback& callback, c10::optional<torch::Generator> generator) {
  if (!denoiser) throw Error("run_sampler: no denoiser");
  if (!x_T.defined() || x_T.dim() == 0) throw Error("run_sampler: x_T must be a batch-first tensor");
  scheduler.set_timesteps(num_steps);
  const std::vector<int64_t> timesteps = scheduler.timesteps();
  const int total = static_cast<int>(timesteps.size());
  const StepNoise noise(generator);
  const auto t_options = torch::TensorOptions().dtype(torch::kLong).device(x_T.device());

  SampleResult result;
  torch::Tensor x = std::move(x_T);
  for (int i = 0; i < total; ++i) {
    const int64_t t = timesteps[static_cast<size_t>(i)];
    const torch::Tensor model_output = denoiser(x, torch::full({x.size(0)}, t, t_options));
    StepOutput out = scheduler.step(model_output, t, x, noise);
    x = out.prev_sample;
    result.steps_done = i + 1;
    if (callback && !callback(SampleStep{i, total, t, x, out.pred_original_sample})) {
      result.cancelled = true;
      break;
    }
  }
  result.sample = x;
  return result;
}

Denoiser guided_denoiser(ConditionalDenoiser net, torch::Tensor cond, torch::Tensor uncond, double guidance_scale) {
  if (!net) throw Error("guided_denoiser: no network");
  if (!cond.defined()) throw Error("guided_denoiser: no conditioning");
  if (guidance_scale == 1.0) {
    auto conds = std::make_shared<ConditioningCache>([cond](int64_t b) { return batched(cond, b, "conditional"); });
    return [net = std::move(net), conds](const torch::Tensor& x, const torch::Tensor& t) {
      return net(x, t, conds->get(x.size(0)));
    };
  }
  if (!uncond.defined()) throw Error("guided_denoiser: guidance needs the unconditional embedding");
  if (cond.dim() == 0 || uncond.dim() == 0 || cond.sizes().slice(1) != uncond.sizes().slice(1))
    throw Error("guided_denoiser: conditional and unconditional embeddings differ in shape");
  auto both = std::make_shared<ConditioningCache>([cond, uncond](int64_t b) {
    return torch::cat({batched(uncond, b, "unconditional"), batched(cond, b, "conditional")});
  });
  return [net = std::move(net), both, guidance_scale](const torch::Tensor& x, const torch::Tensor& t) {
    const int64_t batch = x.size(0);
    const torch::Tensor out = net(torch::cat({x, x}), torch::cat({t, t}), both->get(batch));
    if (out.dim() == 0 || out.size(0) != 2 * batch)
      throw Error("guided_denoiser: the network returned batch " + std::to_string(out.dim() ? out.size(0) : 0) +
                  " for an input of batch " + std::to_string(2 * batch));
    const torch::Tensor uncond_out = out.narrow(0, 0, batch), cond_out = out.narrow(0, batch, batch);
    return torch::add(uncond_out, cond_out - uncond_out, guidance_scale);
  };
}

}  // namespace lorastudio
