#include "core/style/style_harvest.h"

#include <deque>
#include <numeric>

#include <torch/torch.h>

#include "core/imaging/image_metrics.h"
#include "core/imaging/photo_set.h"
#include "core/util/error.h"

namespace lorastudio {

namespace {

// L1 of the images plus `w` times L1 of their horizontal and vertical differences.
torch::Tensor style_loss(const torch::Tensor& y, const torch::Tensor& t, double w) {
  torch::Tensor loss = torch::l1_loss(y, t);
  if (w <= 0) return loss;
  auto dx = [](const torch::Tensor& a) { return a.narrow(3, 1, a.size(3) - 1) - a.narrow(3, 0, a.size(3) - 1); };
  auto dy = [](const torch::Tensor& a) { return a.narrow(2, 1, a.size(2) - 1) - a.narrow(2, 0, a.size(2) - 1); };
  return loss + w * (torch::l1_loss(dx(y), dx(t)) + torch::l1_loss(dy(y), dy(t)));
}

// The trainable factors of `adapter`, made leaves that require gradients: A and B of every module, or B only.
std::vector<torch::Tensor> make_trainable(LoraAdapter& adapter, bool freeze_a) {
  std::vector<torch::Tensor> params;
  for (auto& m : adapter.modules) {
    m.A = m.A.detach().clone().set_requires_grad(!freeze_a);
    m.B = m.B.detach().clone().set_requires_grad(true);
    if (!freeze_a) params.push_back(m.A);
    params.push_back(m.B);
  }
  return params;
}

LoraAdapter detached_copy(const LoraAdapter& adapter) {
  LoraAdapter out = adapter;
  for (auto& m : out.modules) {
    m.A = m.A.detach().clone();
    m.B = m.B.detach().clone();
  }
  return out;
}

void check_options(const StyleHarvestOptions& o, const StylePairs& train, const StylePairs& validation) {
  if (o.steps < 1 || o.keep_last < 1 || o.keep_last > o.steps || o.batch < 1 || !(o.lr > 0) || o.gradient_weight < 0)
    throw Error("harvest_style: steps, batch and lr must be positive and 1 <= keep_last <= steps");
  if (train.count() < 1 || validation.count() < 1) throw Error("harvest_style: no training or validation pairs");
}

}  // namespace

StylePairs style_pairs(const Style& style, const std::vector<torch::Tensor>& photos, int64_t count, int64_t patch,
                       uint64_t seed) {
  PatchOptions o;
  o.size = patch;
  StylePairs pairs;
  pairs.inputs = random_patches(photos, count, o, seed);
  std::vector<torch::Tensor> targets;
  for (int64_t i = 0; i < count; ++i) targets.push_back(style.apply(pairs.inputs[i]));
  pairs.targets = torch::stack(targets);
  return pairs;
}

double pairs_psnr(Stylizer& stylizer, const StylePairs& pairs, const LoraAdapter* adapter) {
  std::vector<torch::Tensor> outputs;
  for (int64_t i = 0; i < pairs.count(); i += 64)
    outputs.push_back(stylize(stylizer, pairs.inputs.narrow(0, i, std::min<int64_t>(64, pairs.count() - i)), adapter));
  return psnr(torch::cat(outputs), pairs.targets);
}

StyleHarvest harvest_style(Stylizer& stylizer, const StylePairs& train, const StylePairs& validation,
                           const StyleHarvestOptions& o, const HarvestProgress& progress) {
  check_options(o, train, validation);
  stylizer->eval();
  for (auto& p : stylizer->parameters()) p.set_requires_grad(false);
  StyleHarvest result;
  result.base_psnr = pairs_psnr(stylizer, validation, nullptr);
  LoraAdapter adapter = new_style_lora(stylizer, o.lora, o.init_seed);
  torch::optim::Adam opt(make_trainable(adapter, o.freeze_a), torch::optim::AdamOptions(o.lr));
  torch::Generator gen = at::detail::createCPUGenerator(o.seed * 7919 + 1);
  std::deque<double> recent;
  for (int64_t step = 1; step <= o.steps; ++step) {
    const torch::Tensor idx = torch::randint(train.count(), {o.batch}, gen, torch::kLong);
    opt.zero_grad();
    const torch::Tensor y = stylizer->forward(train.inputs.index_select(0, idx), conv_deltas(stylizer, adapter));
    const torch::Tensor loss = style_loss(y, train.targets.index_select(0, idx), o.gradient_weight);
    loss.backward();
    opt.step();
    recent.push_back(loss.item<double>());
    if (recent.size() > 20) recent.pop_front();
    if (step > o.steps - o.keep_last) {
      StyleCheckpoint c{detached_copy(adapter), step, 0.0};
      c.score_psnr = pairs_psnr(stylizer, validation, &c.adapter);
      result.checkpoints.push_back(std::move(c));
    }
    const double running = std::accumulate(recent.begin(), recent.end(), 0.0) / static_cast<double>(recent.size());
    if (progress && !progress(step, o.steps, running)) {
      result.cancelled = true;
      break;
    }
  }
  return result;
}

}  // namespace lorastudio
