#pragma once
// Mixing adapters without regeneration.
//  - interpolate / mix: exact. (1−λ)ΔW₁ + λΔW₂ is represented as one adapter of rank r₁+r₂ (factors stacked).
//  - delta_soup: the average of ΔW over many adapters, compressed back to rank r by truncated SVD,
//    with the error reported per module. This is a true ΔW average.
//  - factor_average: averages A and B separately (what some papers call a "model soup"). This is NOT a ΔW
//    average (mean(B)·mean(A) ≠ mean(B·A)); it exists only under its own name, for comparisons.
// Results carry the first adapter's metadata, use_rslora = false (alpha = rank, scale 1) except factor_average,
// factors in float32 at least (float64 if an input is), provenance["operation"] saying what was done, and the
// full saved modules (modules_to_save) averaged with the weights normalised to sum 1. DoRA adapters cannot be
// mixed (Error), nor adapters that disagree on fan_in_fan_out.
#include <string>
#include <vector>

#include "core/lora/lora_adapter.h"

namespace lorastudio {

// (1−λ)·ΔW(a) + λ·ΔW(b) per module, exactly, as a rank r_a+r_b adapter (alpha = new rank, so scale 1).
// Layouts must match (same modules, same shapes); throws Error naming the first difference.
LoraAdapter interpolate(const LoraAdapter& a, const LoraAdapter& b, double lambda);

// Σ wᵢ·ΔW(adapterᵢ), exactly, as a rank Σrᵢ adapter.
LoraAdapter mix(const std::vector<const LoraAdapter*>& adapters, const std::vector<double>& weights);

struct ModuleSoupError {
  std::string module;        // module_key
  double relative_error = 0; // ||ΔW_avg − ΔW_r||_F / ||ΔW_avg||_F
  double absolute_error = 0; // ||ΔW_avg − ΔW_r||_F
};

struct SoupResult {
  LoraAdapter adapter;                   // rank `rank` per module (or the exact stacked rank when rank <= 0)
  std::vector<ModuleSoupError> errors;   // per module
  double relative_error = 0;             // sqrt(Σ abs²) / sqrt(Σ ||ΔW_avg||²) over all modules
};

// Mean ΔW (or weighted, weights summing to anything; empty = uniform) truncated to `rank` by SVD.
// rank <= 0 keeps the exact stacked adapter (error 0).
SoupResult delta_soup(const std::vector<const LoraAdapter*>& adapters, int64_t rank, const std::vector<double>& weights = {});

// Averages A and B factors separately (all adapters need equal ranks and alphas). Not a ΔW average.
LoraAdapter factor_average(const std::vector<const LoraAdapter*>& adapters);

}  // namespace lorastudio
