#pragma once
// Per-module statistics of adapters and comparisons between two adapters, computed from the
// low-rank factors (never materialising ΔW): QR of the factors and an SVD of the small core, in float64.
// For DoRA modules the statistics describe the low-rank part s·B·A.
#include <string>
#include <vector>

#include "core/lora/lora_adapter.h"

namespace lorastudio {

struct ModuleStats {
  std::string module;            // module_key
  int64_t rank = 0, in_features = 0, out_features = 0;
  double alpha = 0, scale = 0;
  double frobenius = 0;          // ||ΔW||_F
  std::vector<double> singular_values;  // of ΔW, descending, the top k (at most rank)
  double effective_rank = 0;     // exp(entropy of σ/Σσ) (Roy & Vetterli); 0 for ΔW = 0
  double norm_A = 0, norm_B = 0; // Frobenius norms of the raw factors
};

ModuleStats module_stats(const LoraAdapter& adapter, const LoraModule& m, int top_k = 8);
std::vector<ModuleStats> adapter_stats(const LoraAdapter& adapter, int top_k = 8);

struct ModuleComparison {
  std::string module;
  double cosine = 0;             // <ΔW₁, ΔW₂>_F / (||ΔW₁|| ||ΔW₂||); 0 when either is zero
  double norm_a = 0, norm_b = 0;
  double distance = 0;           // ||ΔW₁ − ΔW₂||_F
};

struct AdapterComparison {
  std::vector<ModuleComparison> modules;
  double mean_cosine = 0;
  double relative_distance = 0;  // sqrt(Σ distance²) / sqrt(Σ norm_b²): b is the reference
};

// Layouts must match; throws Error naming the first difference.
AdapterComparison compare_adapters(const LoraAdapter& a, const LoraAdapter& b);

}  // namespace lorastudio
