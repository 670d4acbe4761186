#include "core/style/stylizer_pretraining.h"

#include <deque>
#include <numeric>

#include <torch/torch.h>

#include "core/imaging/image_metrics.h"
#include "core/imaging/photo_set.h"
#include "core/util/error.h"

namespace lorastudio {

StylizerPretrainResult pretrain_stylizer(Stylizer& stylizer, const std::vector<torch::Tensor>& images,
                                         const StylizerPretrainOptions& o, const StylizerProgress& progress) {
  if (o.steps < 1 || o.batch < 1 || o.patch < 2 || o.patch % 2 || !(o.lr > 0))
    throw Error("pretrain_stylizer: steps and batch must be positive, patch even, lr positive");
  stylizer->train();
  torch::optim::Adam opt(stylizer->parameters(), torch::optim::AdamOptions(o.lr));
  PatchOptions patches;
  patches.size = o.patch;
  StylizerPretrainResult result;
  std::deque<double> recent;
  const int64_t decay_from = o.steps - o.steps / 5;
  for (int64_t step = 0; step < o.steps; ++step) {
    const double lr = step < decay_from ? o.lr : o.lr * static_cast<double>(o.steps - step) / static_cast<double>(o.steps - decay_from);
    for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    const torch::Tensor x = random_patches(images, o.batch, patches, o.seed * 1000003 + static_cast<uint64_t>(step));
    opt.zero_grad();
    const torch::Tensor loss = torch::l1_loss(stylizer->forward(x), x);
    loss.backward();
    opt.step();
    recent.push_back(loss.item<double>());
    if (recent.size() > 20) recent.pop_front();
    result.steps_done = step + 1;
    result.final_loss = std::accumulate(recent.begin(), recent.end(), 0.0) / static_cast<double>(recent.size());
    if (progress && !progress(step + 1, o.steps, result.final_loss)) {
      result.cancelled = true;
      break;
    }
  }
  stylizer->eval();
  return result;
}

double reproduction_psnr(Stylizer& stylizer, const std::vector<torch::Tensor>& images, int64_t patch) {
  PatchOptions o;
  o.size = patch;
  o.flips = false;
  const torch::Tensor x = random_patches(images, 32, o, 99);
  torch::NoGradGuard no_grad;
  return psnr(stylizer->forward(x), x);
}

}  // namespace lorastudio
