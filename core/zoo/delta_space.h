#pragma once
// Distances between adapters as what they do, not as how they are stored: the Frobenius distance between
// their weight updates ΔW = scale·B·A over all modules, computed from flat parameter rows (any balance) through
// rank-r Gram products, without forming a ΔW. LoRA's factors have a gauge freedom (B·G, G⁻¹·A give the same
// ΔW) and their A factors often barely move from a shared initialisation, so two adapters can be far apart as
// parameter vectors and identical in ΔW, or close as vectors and different in ΔW: copies are judged here.
// DoRA magnitudes are not part of ΔW and are ignored.
#include <torch/types.h>

namespace lorastudio {

class ZooLayout;

// ⟨ΔW_x, ΔW_y⟩ summed over modules for every pair of rows: X [n, D], Y [m, D] → [n, m] float64.
torch::Tensor delta_gram(const ZooLayout& layout, const torch::Tensor& X, const torch::Tensor& Y);
// ||ΔW_x − ΔW_y|| for every pair → [n, m] float64.
torch::Tensor delta_distances(const ZooLayout& layout, const torch::Tensor& X, const torch::Tensor& Y);
// ||ΔW_x|| per row → [n] float64.
torch::Tensor delta_norms(const ZooLayout& layout, const torch::Tensor& X);
// cos(ΔW_x, ΔW_y) for every pair → [n, m] float64 (0 where either ΔW is zero).
torch::Tensor delta_cosines(const ZooLayout& layout, const torch::Tensor& X, const torch::Tensor& Y);

}  // namespace lorastudio
