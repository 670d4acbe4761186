// run_tsne: a TsneState fed once and iterated params.iterations times.
#include "core/embed/tsne.h"

#include <chrono>

#include "core/embed/tsne_state.h"
#include "core/util/error.h"

namespace lorastudio::embed {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TsneResult run_tsne(const torch::Tensor& data, const TsneParams& params, const TsneProgress& progress, int report_every) {
  torch::NoGradGuard no_grad;
  if (data.dim() != 2 || data.size(0) < 2) throw Error("t-SNE: needs a matrix of at least 2 points");
  TsneResult result;
  auto start = std::chrono::steady_clock::now();
  TsneState state(params);
  state.add_points(data);
  result.affinity_seconds = seconds_since(start);
  result.method = state.method();
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < params.iterations; ++i) {
    const bool last = i + 1 == params.iterations;
    const bool report = last || (report_every > 0 && (i + 1) % report_every == 0);
    const double kl = state.iterate(report);
    if (report) {
      result.kl = kl;
      result.iterations = i + 1;
      if (progress && !progress(i + 1, params.iterations, kl)) {
        result.cancelled = true;
        break;
      }
    }
  }
  if (params.cuda) torch::cuda::synchronize();
  result.optimisation_seconds = seconds_since(start);
  result.embedding = state.positions();
  return result;
}

}  // namespace lorastudio::embed
