#include "core/math/low_rank.h"

#include <algorithm>
#include <tuple>

#include <ATen/ATen.h>

#include "core/util/error.h"

namespace lorastudio {
namespace {

void check_factors(const torch::Tensor& B, const torch::Tensor& A, const char* where) {
  if (!B.defined() || !A.defined() || B.dim() != 2 || A.dim() != 2 || B.size(1) != A.size(0))
    throw Error(std::string("low_rank: ") + where + " needs B [out, R] and A [R, in] with matching R");
}

// B·A = QB · core · QAᵀ with orthonormal QB [out, kb], QA [in, ka] and core [kb, ka] (kb, ka <= R).
struct QrCore {
  torch::Tensor QB, QA, core;
};

QrCore qr_core(const torch::Tensor& B, const torch::Tensor& A) {
  const torch::Tensor b = B.to(torch::kDouble);
  const torch::Tensor a = A.to(b.device(), torch::kDouble);
  torch::Tensor QB, RB, QA, RA;
  std::tie(QB, RB) = at::linalg_qr(b, "reduced");
  std::tie(QA, RA) = at::linalg_qr(a.t(), "reduced");
  return {QB, QA, RB.mm(RA.t())};
}

}  // namespace

LowRankSvd low_rank_svd(const torch::Tensor& B, const torch::Tensor& A) {
  check_factors(B, A, "low_rank_svd");
  const auto opts = torch::TensorOptions().dtype(torch::kDouble).device(B.device());
  if (B.size(1) == 0 || B.size(0) == 0 || A.size(1) == 0)
    return {torch::zeros({B.size(0), 0}, opts), torch::zeros({0}, opts), torch::zeros({0, A.size(1)}, opts)};
  const QrCore c = qr_core(B, A);
  torch::Tensor Uc, S, Vhc;
  std::tie(Uc, S, Vhc) = at::linalg_svd(c.core, /*full_matrices=*/false);
  return {c.QB.mm(Uc), S, Vhc.mm(c.QA.t())};
}

torch::Tensor low_rank_singular_values(const torch::Tensor& B, const torch::Tensor& A) {
  check_factors(B, A, "low_rank_singular_values");
  if (B.size(1) == 0 || B.size(0) == 0 || A.size(1) == 0)
    return torch::zeros({0}, torch::TensorOptions().dtype(torch::kDouble).device(B.device()));
  return at::linalg_svdvals(qr_core(B, A).core);
}

double low_rank_inner(const torch::Tensor& B1, const torch::Tensor& A1, const torch::Tensor& B2,
                      const torch::Tensor& A2) {
  check_factors(B1, A1, "low_rank_inner");
  check_factors(B2, A2, "low_rank_inner");
  if (B1.size(0) != B2.size(0) || A1.size(1) != A2.size(1))
    throw Error("low_rank_inner: the two products have different shapes");
  const auto dev = B1.device();
  const torch::Tensor b1 = B1.to(torch::kDouble), a1 = A1.to(dev, torch::kDouble);
  const torch::Tensor b2 = B2.to(dev, torch::kDouble), a2 = A2.to(dev, torch::kDouble);
  // trace((B₁ᵀB₂)(A₂A₁ᵀ)) = Σ (B₁ᵀB₂) ⊙ (A₁A₂ᵀ)
  return (b1.t().mm(b2) * a1.mm(a2.t())).sum().item<double>();
}

double low_rank_frobenius(const torch::Tensor& B, const torch::Tensor& A) {
  check_factors(B, A, "low_rank_frobenius");
  if (B.size(1) == 0 || B.size(0) == 0 || A.size(1) == 0) return 0.0;
  return qr_core(B, A).core.norm().item<double>();
}

double low_rank_distance(const torch::Tensor& B1, const torch::Tensor& A1, const torch::Tensor& B2,
                         const torch::Tensor& A2) {
  const LowRankFactors d = stack_low_rank({B1, B2}, {A1, A2}, {1.0, -1.0}, torch::kDouble);
  return low_rank_frobenius(d.B, d.A);
}

LowRankFactors stack_low_rank(const std::vector<torch::Tensor>& Bs, const std::vector<torch::Tensor>& As,
                              const std::vector<double>& coefficients, torch::ScalarType dtype) {
  if (Bs.empty() || Bs.size() != As.size() || Bs.size() != coefficients.size())
    throw Error("stack_low_rank: needs as many B factors, A factors and coefficients, at least one");
  const auto dev = Bs.front().device();
  std::vector<torch::Tensor> bs, as;
  for (size_t i = 0; i < Bs.size(); ++i) {
    check_factors(Bs[i], As[i], "stack_low_rank");
    if (Bs[i].size(0) != Bs.front().size(0) || As[i].size(1) != As.front().size(1))
      throw Error("stack_low_rank: the products have different shapes");
    bs.push_back(Bs[i].to(dev, dtype).mul(coefficients[i]));
    as.push_back(As[i].to(dev, dtype));
  }
  return {torch::cat(bs, 1), torch::cat(as, 0)};
}

}  // namespace lorastudio
