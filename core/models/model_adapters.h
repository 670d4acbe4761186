#pragma once
// Applying a PEFT LoRA adapter to a model of this folder, by the adapter's module paths (which are the model's
// registered names): merged (W ← W + scale·B·A, GPT-2's [in, out] Conv1D weights transposed) or unmerged (a branch
// beside each layer, run at every forward). modules_to_save (a SEQ_CLS adapter's classifier) replace the model's
// tensors. Detaching restores every tensor it touched bit for bit from a copy, so merge → detach is exact.
//
//   models::AttachedAdapter lora(*classifier, load_adapter(dir).adapter, models::AdapterMode::Merged);
//   auto logits = classifier(ids, mask);   // with the adapter
//   lora.detach();                          // (or let it go out of scope) — the base model again
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/lora/lora_adapter.h"
#include "core/models/adaptable_linear.h"

namespace lorastudio::models {

enum class AdapterMode { Merged, Unmerged };
std::string to_string(AdapterMode mode);                  // "merged", "unmerged"
AdapterMode adapter_mode_from_string(const std::string& name);

class AttachedAdapter {
 public:
  // Throws Error naming the first module path the model lacks, a shape that differs, or a kind of module (DoRA,
  // convolution) these layers cannot take; on error nothing stays changed.
  AttachedAdapter(torch::nn::Module& model, const LoraAdapter& adapter, AdapterMode mode, double multiplier = 1.0);
  ~AttachedAdapter();
  AttachedAdapter(const AttachedAdapter&) = delete;
  AttachedAdapter& operator=(const AttachedAdapter&) = delete;

  void detach();
  bool attached() const { return attached_; }
  size_t layers() const { return layers_.size(); }
  size_t replaced_tensors() const { return originals_.size(); }

 private:
  void attach_module(torch::nn::Module& model, const LoraAdapter& adapter, const LoraModule& m, AdapterMode mode,
                     double multiplier);
  void replace_saved(torch::nn::Module& model, const std::string& name, const torch::Tensor& value);

  std::vector<AdaptableLinear> layers_;                           // layers given a branch
  std::vector<std::pair<torch::Tensor, torch::Tensor>> originals_;  // (tensor changed, its copy before)
  bool attached_ = false;
};

}  // namespace lorastudio::models
