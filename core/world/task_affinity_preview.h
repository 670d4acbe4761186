#pragma once
// A preview for worlds whose tasks have a known true adapter (the synthetic text world) or a soup: how much the mix
// (1−λ)·ΔW_a + λ·ΔW_b agrees with each task's true ΔW (cosine), as one bar per task. Exact and cheap: the
// Gram products of a, b and the tasks are computed once per pair, so a new λ costs a few multiplications.
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/studio/preview_provider.h"
#include "core/zoo/zoo_layout.h"

namespace lorastudio {

class TaskAffinityPreview : public PreviewProvider {
 public:
  // `truth` [tasks, D]: each task's true adapter (or its soup) as a flat row in `layout`; `title` says which.
  TaskAffinityPreview(ZooLayout layout, std::vector<std::string> tasks, torch::Tensor truth,
                      std::string title = "agreement of the mix with each task's true ΔW");

  std::string kind() const override { return "task-affinity"; }
  std::string title() const override { return title_; }
  std::vector<std::string> subjects() const override { return {"every task"}; }
  PreviewImage render(const std::shared_ptr<const LoraAdapter>& a, const std::shared_ptr<const LoraAdapter>& b,
                      double lambda, int subject, PreviewQuality quality) override;

 private:
  void prepare(const std::shared_ptr<const LoraAdapter>& a, const std::shared_ptr<const LoraAdapter>& b);

  ZooLayout layout_;
  std::vector<std::string> tasks_;
  std::string title_;
  torch::Tensor truth_;
  std::shared_ptr<const LoraAdapter> a_, b_;
  double aa_ = 0, ab_ = 0, bb_ = 0;
  std::vector<double> at_, bt_, tt_;  // ⟨ΔW_a, ΔW_t⟩, ⟨ΔW_b, ΔW_t⟩, ‖ΔW_t‖² per task
};

}  // namespace lorastudio
