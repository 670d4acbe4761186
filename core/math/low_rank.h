#pragma once
// Exact linear algebra on matrices given as a product of thin factors P = B·A, B [out, R], A [R, in],
// without ever forming the [out, in] product:
//  - SVD: QR of B and of Aᵀ, then an SVD of the small core R_B·R_Aᵀ (at most R×R).
//  - Frobenius inner products <B₁A₁, B₂A₂> = trace((B₁ᵀB₂)(A₂A₁ᵀ)).
// Everything runs on the device of the factors, in float64 unless said otherwise.
#include <vector>

#include <torch/types.h>

namespace lorastudio {

struct LowRankSvd {
  torch::Tensor U;   // [out, k], orthonormal columns
  torch::Tensor S;   // [k], descending, k = min(out, in, R)
  torch::Tensor Vh;  // [k, in], orthonormal rows
};

// Thin SVD of B·A, in float64 on B's device (A is moved there).
LowRankSvd low_rank_svd(const torch::Tensor& B, const torch::Tensor& A);

// Singular values of B·A only (descending, float64, on B's device).
torch::Tensor low_rank_singular_values(const torch::Tensor& B, const torch::Tensor& A);

// <B₁A₁, B₂A₂>_F in float64.
double low_rank_inner(const torch::Tensor& B1, const torch::Tensor& A1, const torch::Tensor& B2,
                      const torch::Tensor& A2);

// ||B·A||_F in float64, computed from the QR core (no cancellation, unlike sqrt of an inner product).
double low_rank_frobenius(const torch::Tensor& B, const torch::Tensor& A);

// ||B₁A₁ − B₂A₂||_F, exactly (stacked factors [B₁ | −B₂]·[A₁; A₂]).
double low_rank_distance(const torch::Tensor& B1, const torch::Tensor& A1, const torch::Tensor& B2,
                         const torch::Tensor& A2);

// Σ cᵢ·Bᵢ·Aᵢ as one pair of factors: B = [c₁B₁ | c₂B₂ | …] (dim 1), A = [A₁; A₂; …] (dim 0).
// Computed in `dtype` on the first B's device.
struct LowRankFactors {
  torch::Tensor B;  // [out, ΣRᵢ]
  torch::Tensor A;  // [ΣRᵢ, in]
};
LowRankFactors stack_low_rank(const std::vector<torch::Tensor>& Bs, const std::vector<torch::Tensor>& As,
                              const std::vector<double>& coefficients, torch::ScalarType dtype);

}  // namespace lorastudio
