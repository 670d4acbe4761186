#include "core/world/task_affinity_preview.h"

#include <cmath>
#include <cstdio>

#include <torch/torch.h>

#include "core/lora/lora_adapter.h"
#include "core/util/error.h"
#include "core/zoo/delta_space.h"

namespace lorastudio {

TaskAffinityPreview::TaskAffinityPreview(ZooLayout layout, std::vector<std::string> tasks, torch::Tensor truth, std::string title)
    : layout_(std::move(layout)), tasks_(std::move(tasks)), title_(std::move(title)), truth_(truth.to(torch::kFloat32).contiguous()) {
  if (truth_.dim() != 2 || truth_.size(0) != static_cast<int64_t>(tasks_.size()) || truth_.size(1) != layout_.dim())
    throw Error("task preview: the true adapters must be [" + std::to_string(tasks_.size()) + ", " +
                std::to_string(layout_.dim()) + "]");
  const auto norms = delta_norms(layout_, truth_);
  for (int64_t t = 0; t < norms.size(0); ++t) tt_.push_back(std::pow(norms[t].item<double>(), 2));
}

void TaskAffinityPreview::prepare(const std::shared_ptr<const LoraAdapter>& a, const std::shared_ptr<const LoraAdapter>& b) {
  if (a == a_ && b == b_) return;
  torch::InferenceMode inference;
  const torch::Tensor x = torch::stack({layout_.flatten(*a, "adapter a"), layout_.flatten(*b, "adapter b")});
  const torch::Tensor g = delta_gram(layout_, x, x), t = delta_gram(layout_, x, truth_);
  aa_ = g[0][0].item<double>();
  ab_ = g[0][1].item<double>();
  bb_ = g[1][1].item<double>();
  at_.clear();
  bt_.clear();
  for (int64_t k = 0; k < t.size(1); ++k) {
    at_.push_back(t[0][k].item<double>());
    bt_.push_back(t[1][k].item<double>());
  }
  a_ = a;
  b_ = b;
}

PreviewImage TaskAffinityPreview::render(const std::shared_ptr<const LoraAdapter>& a, const std::shared_ptr<const LoraAdapter>& b,
                                         double lambda, int subject, PreviewQuality) {
  if (!a || !b) throw Error("task preview: two adapters are needed");
  if (subject != 0) throw Error("task preview: no subject " + std::to_string(subject));
  prepare(a, b);
  const double u = 1 - lambda, v = lambda;
  const double norm = std::sqrt(std::max(0.0, u * u * aa_ + 2 * u * v * ab_ + v * v * bb_));
  PreviewImage out;
  size_t best = 0;
  for (size_t k = 0; k < tasks_.size(); ++k) {
    PreviewBar bar;
    bar.label = tasks_[k];
    bar.value = (u * at_[k] + v * bt_[k]) / std::max(1e-12, norm * std::sqrt(tt_[k]));
    bar.lo = -1;
    bar.hi = 1;
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", bar.value);
    bar.text = text;
    out.bars.push_back(std::move(bar));
    if (out.bars[k].value > out.bars[best].value) best = k;
  }
  out.bars[best].highlight = true;
  char caption[160];
  std::snprintf(caption, sizeof caption, "λ %.2f · most like %s (cosine %.2f)", lambda, tasks_[best].c_str(), out.bars[best].value);
  out.caption = caption;
  return out;
}

}  // namespace lorastudio
