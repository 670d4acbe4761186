#pragma once
// The layout of a LoRA zoo: how one adapter becomes one flat float32 vector of D parameters and back.
//
// The modules are recorded in the order of the first adapter (load_adapter reads them in natural
// order); per module the vector holds A [r, in] row-major, then B [out, r] row-major, then the DoRA
// magnitude [out] when the adapter has one (a conv module's A is [r, in·k…], as LoraModule holds it). Every checkpoint of a zoo has this layout: same modules,
// ranks, shapes, alphas, rsLoRA / fan_in_fan_out flags.
//
// Magnitude balancing: LoRA factors often differ in scale by orders of magnitude (B starts at zero and
// stays small, A is Gaussian-initialised), which a diffusion model over the flat vector sees as badly
// conditioned data. Cond P-Diff's PixArt code multiplies A by 0.2 and B by 200 before training. Here
// flatten() stores A·scale_A and B·scale_B and unflatten() divides them back out, so ΔW = scale·B·A is
// unchanged (to float32 rounding; a power of two is exact). The scales are recorded in the layout.
//
// Modules are matched by key (component:path); when one side has no component (PEFT files carry
// none, diffusers files do) the path alone matches, so the same LoRA saved in different formats
// flattens to the same vector. Modules-to-save (full weights) are not part of the vector.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "core/lora/lora_adapter.h"

namespace lorastudio {

struct BalanceOptions {
  double scale_A = 1.0;  // flatten stores A·scale_A (Cond P-Diff PixArt: 0.2)
  double scale_B = 1.0;  // flatten stores B·scale_B (Cond P-Diff PixArt: 200)
  bool is_identity() const { return scale_A == 1.0 && scale_B == 1.0; }
};

struct ZooModuleLayout {
  std::string path;
  std::string component;
  int64_t rank = 0, in_features = 0, out_features = 0;
  double alpha = 1.0;
  int64_t offset_A = 0;           // first element of A in the flat vector
  int64_t offset_B = 0;           // first element of B
  int64_t offset_magnitude = -1;  // first element of the DoRA magnitude, -1 without one
  std::vector<int64_t> kernel_size;  // conv LoRA: the kernel (in_features is then in·k…); empty for linear

  int64_t size_A() const { return rank * in_features; }
  int64_t size_B() const { return out_features * rank; }
  bool has_magnitude() const { return offset_magnitude >= 0; }
  int64_t size() const { return size_A() + size_B() + (has_magnitude() ? out_features : 0); }
  std::string key() const { return component.empty() ? path : component + ":" + path; }
};

class ZooLayout {
 public:
  ZooLayout() = default;

  // The layout of `adapter` (validated first; `label` names it in errors). Scales must be finite and non-zero.
  static ZooLayout from_adapter(const LoraAdapter& adapter, const BalanceOptions& balance = {},
                                const std::string& label = "adapter");

  const std::vector<ZooModuleLayout>& modules() const { return modules_; }
  int64_t dim() const { return dim_; }  // D
  bool use_rslora() const { return use_rslora_; }
  bool fan_in_fan_out() const { return fan_in_fan_out_; }
  const BalanceOptions& balance() const { return balance_; }
  // Carried into unflatten()'s adapters (taken from the first adapter; not compared).
  const std::string& base_model() const { return base_model_; }
  const std::string& task_type() const { return task_type_; }
  const std::vector<std::string>& target_modules() const { return target_modules_; }
  // The key of the module that holds flat coordinate `index` (0 <= index < D), "" outside.
  std::string module_of(int64_t index) const;

  // "" when `adapter` fits this layout, else the first difference, naming the module
  // (e.g. "module transformer_blocks.3.attn1.to_q has rank 2; the zoo's has rank 1").
  std::string mismatch(const LoraAdapter& adapter) const;
  // "" when both layouts flatten the same way (modules, shapes, alphas, flags, balance), else the first difference.
  std::string difference(const ZooLayout& other) const;

  // [D] float32 (contiguous, CPU). Throws FileError(label, "does not match the zoo layout: ...") on a mismatch.
  torch::Tensor flatten(const LoraAdapter& adapter, const std::string& label = "adapter") const;
  // From a [D] vector or a [1, D] row (any floating dtype, any device): a float32 CPU adapter with
  // this layout's modules, alphas and flags. Throws Error if the shape is not [D].
  LoraAdapter unflatten(const torch::Tensor& vector) const;
  // The two halves of unflatten(), for batches on any device:
  //  - unbalance(): [N, D] or [D] flat vectors (any floating dtype and device) with the balance scales
  //    divided out, as float32 on the same device: a new tensor, even when the balance is the identity.
  //  - adapter_view(): an adapter whose factors are views of an unbalanced float32 [D] vector (no copy;
  //    it keeps the vector's storage alive), on the vector's device.
  //    `scales` (from unbalance_scales(), on flat's device) saves building them per call.
  torch::Tensor unbalance(const torch::Tensor& flat, const torch::Tensor& scales = {}) const;
  // [D] float64 CPU: 1/scale per coordinate; undefined when the balance is the identity.
  torch::Tensor unbalance_scales() const;
  LoraAdapter adapter_view(const torch::Tensor& unbalanced) const;

  // layout.json: every module with its offsets, the flags and the balance.
  nlohmann::json to_json() const;
  // Checks that offsets tile [0, D) in order (A before B per module) and sizes agree; FileError(label, ...) otherwise.
  static ZooLayout from_json(const nlohmann::json& j, const std::string& label);
  // A short description for zoo.json and `zoo info`: module count, D, ranks, alphas, components, flags, balance.
  nlohmann::json summary_json() const;

 private:
  const ZooModuleLayout* match(const LoraModule& m) const;

  std::vector<ZooModuleLayout> modules_;
  int64_t dim_ = 0;
  bool use_rslora_ = false;
  bool fan_in_fan_out_ = false;
  BalanceOptions balance_;
  std::string base_model_;
  std::string task_type_;
  std::vector<std::string> target_modules_;
};

}  // namespace lorastudio
