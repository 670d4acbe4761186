#pragma once
// The settings of a t-SNE run, as in van der Maaten's reference and scikit-learn's TSNE: perplexity, early
// exaggeration over the first iterations with momentum 0.5, then momentum 0.8, per-coordinate gains
// (+0.2 when the gradient's sign flips, x0.8 otherwise, at least min_gain), learning rate "auto" =
// max(N / early_exaggeration / 4, 50), PCA initialisation scaled to a standard deviation of 1e-4.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lorastudio::embed {

// Exact: O(N^2) with LibTorch ops on the CPU or CUDA (dense affinities over all pairs).
// BarnesHut: O(N log N) on the CPU (affinities over the 3 * perplexity nearest neighbours, a quadtree for
// the repulsion). Auto: exact on CUDA, Barnes-Hut on the CPU.
enum class TsneMethod { Auto, Exact, BarnesHut };
std::string to_string(TsneMethod method);                               // "auto", "exact", "barnes_hut"
std::optional<TsneMethod> tsne_method_from_string(std::string_view name);  // also "bh", "barnes-hut"

enum class TsneInit { Pca, Random };
std::string to_string(TsneInit init);                                   // "pca", "random"
std::optional<TsneInit> tsne_init_from_string(std::string_view name);

struct TsneParams {
  double perplexity = 30.0;
  double early_exaggeration = 12.0;
  int exaggeration_iterations = 250;   // scikit-learn's _EXPLORATION_N_ITER
  int iterations = 1000;               // in all, the exaggerated ones included
  double learning_rate = 0.0;          // 0: auto
  double initial_momentum = 0.5, final_momentum = 0.8;
  double min_gain = 0.01;
  double theta = 0.5;                  // Barnes-Hut's accuracy: a cell is summarised when width / distance < theta
  TsneMethod method = TsneMethod::Auto;
  TsneInit init = TsneInit::Pca;
  uint64_t seed = 0;
  bool cuda = false;                   // the exact method's device
  // The exact method's P over each point's 3 * perplexity nearest neighbours (as Barnes-Hut's) instead of
  // all pairs: what the live embedding uses, since new points then update P in place instead of anew.
  bool neighbour_affinities = false;
};

// Throws Error naming the setting when a value is out of range.
void validate(const TsneParams& params);

// The method a run actually uses.
TsneMethod resolved_method(const TsneParams& params);

// scikit-learn's "auto": max(N / early_exaggeration / 4, 50), or the fixed rate when one is set.
double effective_learning_rate(const TsneParams& params, int64_t points);

// How many neighbours the sparse affinities use: min(N - 1, floor(3 * perplexity + 1)).
int64_t neighbour_count(double perplexity, int64_t points);

}  // namespace lorastudio::embed
