// t-SNE settings: string round trips, validation and the derived quantities.
#include "core/embed/tsne_params.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/util/ascii_text.h"
#include "core/util/error.h"

namespace lorastudio::embed {
namespace {

void check_range(const char* name, double value, double low, double high) {
  if (!std::isfinite(value) || value < low || value > high)
    throw Error(std::string("t-SNE: ") + name + " is " + std::to_string(value) + ", allowed " + std::to_string(low) +
                " to " + std::to_string(high));
}

}  // namespace

std::string to_string(TsneMethod method) {
  switch (method) {
    case TsneMethod::Auto: return "auto";
    case TsneMethod::Exact: return "exact";
    case TsneMethod::BarnesHut: return "barnes_hut";
  }
  return "auto";
}

std::optional<TsneMethod> tsne_method_from_string(std::string_view name) {
  const std::string n = ascii_lower(name);
  if (n == "auto") return TsneMethod::Auto;
  if (n == "exact") return TsneMethod::Exact;
  if (n == "barnes_hut" || n == "barnes-hut" || n == "bh") return TsneMethod::BarnesHut;
  return std::nullopt;
}

std::string to_string(TsneInit init) { return init == TsneInit::Pca ? "pca" : "random"; }

std::optional<TsneInit> tsne_init_from_string(std::string_view name) {
  const std::string n = ascii_lower(name);
  if (n == "pca") return TsneInit::Pca;
  if (n == "random") return TsneInit::Random;
  return std::nullopt;
}

void validate(const TsneParams& p) {
  check_range("perplexity", p.perplexity, 1.0, 1000.0);
  check_range("early_exaggeration", p.early_exaggeration, 1.0, 1000.0);
  check_range("exaggeration_iterations", p.exaggeration_iterations, 0, 1e6);
  check_range("iterations", p.iterations, 1, 1e7);
  check_range("learning_rate", p.learning_rate, 0.0, 1e7);
  check_range("initial_momentum", p.initial_momentum, 0.0, 0.999);
  check_range("final_momentum", p.final_momentum, 0.0, 0.999);
  check_range("min_gain", p.min_gain, 0.0, 1.0);
  check_range("theta", p.theta, 0.0, 10.0);
  if (p.method == TsneMethod::BarnesHut && p.cuda)
    throw Error("t-SNE: the Barnes-Hut method runs on the CPU; use the exact method on CUDA");
}

TsneMethod resolved_method(const TsneParams& params) {
  if (params.method != TsneMethod::Auto) return params.method;
  return params.cuda ? TsneMethod::Exact : TsneMethod::BarnesHut;
}

double effective_learning_rate(const TsneParams& params, int64_t points) {
  if (params.learning_rate > 0) return params.learning_rate;
  return std::max(static_cast<double>(points) / params.early_exaggeration / 4.0, 50.0);
}

int64_t neighbour_count(double perplexity, int64_t points) {
  return std::max<int64_t>(0, std::min<int64_t>(points - 1, static_cast<int64_t>(3.0 * perplexity + 1.0)));
}

}  // namespace lorastudio::embed
