#pragma once
// Normalisation of flattened LoRA parameters before a generator learns them, and its inverse.
//
// Modes:
//  - none:   identity.
//  - task:   each task is z-scored with its own statistics (Cond P-Diff's "task normalization"; their
//            SST-2 ablation: no normalisation 55.7, batch norm 90.6, task norm 91.6).
//  - global: per-coordinate mean and std over every checkpoint of every task; the same statistics
//            serve any task, so a condition never seen in training can still be decoded.
//
// Task statistics, and why the default is one scalar mean/std per task (over all its coordinates and
// checkpoints) rather than per coordinate:
//  - zoos often hold few checkpoints per task (Cond P-Diff's PixArt zoo: one or a handful); a
//    per-coordinate std over N samples is noise for small N and exactly 0 for N = 1, while a scalar
//    std over N·D values is always well defined;
//  - a scalar affine map keeps the structure inside a checkpoint (relative magnitudes of blocks, of A
//    and B) that the generator must learn, and removes only the task's offset and scale, which is what
//    lets tasks of very different parameter magnitudes share one generator;
//  - with per-coordinate statistics decode() adds the task's mean checkpoint back, which for small N
//    is nearly the checkpoint itself: a generator could look good while only the statistics remember it.
// Per-coordinate task statistics are an option (TaskStatistics::PerCoordinate) for zoos with many
// checkpoints per task. Every std has `epsilon` as floor (constant coordinates stay finite).
//
// Statistics are computed in float64 (per-coordinate running mean and sum of squared deviations, merged
// batch by batch), kept and applied in float32, and can be saved to a .safetensors file (or JSON) so they
// travel with a generator. In task mode an unseen task is an Error unless `unseen_task` is Pooled: then the
// statistics of all fitted checkpoints together are used (scalar or per coordinate as the task statistics).
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

namespace lorastudio {

class Zoo;

enum class NormalizationMode { None, Task, Global };
enum class TaskStatistics { Scalar, PerCoordinate };
enum class UnseenTaskPolicy { Error, Pooled };

const char* normalization_mode_name(NormalizationMode mode);  // "none", "task", "global"
NormalizationMode parse_normalization_mode(const std::string& name);  // throws Error for others

struct NormalizationOptions {
  NormalizationMode mode = NormalizationMode::Task;
  TaskStatistics task_statistics = TaskStatistics::Scalar;  // task mode only
  UnseenTaskPolicy unseen_task = UnseenTaskPolicy::Error;   // task mode only
  double epsilon = 1e-6;                                    // floor on every std
};

class ParameterNormalizer {
 public:
  explicit ParameterNormalizer(NormalizationOptions options = {});

  // Fitting: accumulate() any number of [N, D] (or [D]) batches per task, then finalize(). Batches
  // accumulated after finalize() add to the earlier ones (finalize() again). A normalizer read by load()
  // or from_json() holds statistics only and cannot accumulate (Error).
  void accumulate(const std::string& task, const torch::Tensor& rows);
  void finalize();
  // accumulate() every task, then finalize().
  void fit(const std::vector<std::pair<std::string, torch::Tensor>>& tasks);
  void fit(const Zoo& zoo);  // every task's params, one task in memory at a time

  const NormalizationOptions& options() const { return options_; }
  bool fitted() const { return fitted_; }
  int64_t dim() const { return dim_; }                     // D, 0 before fitting (mode none: 0)
  std::vector<std::string> tasks() const;                  // fitted tasks, sorted
  int64_t count(const std::string& task) const;            // checkpoints seen for it (0 if unseen)
  bool knows(const std::string& task) const { return task_counts_.count(task) > 0; }
  bool can_normalize(const std::string& task) const;       // encode/decode would not throw for this task

  // The statistics encode/decode use for `task`: 0-d tensors (scalar task statistics) or [D], float32.
  // Throws Error as encode does when there are none.
  torch::Tensor mean(const std::string& task) const;
  torch::Tensor stddev(const std::string& task) const;

  // (x − mean) / std and z · std + mean, for [N, D] or [D] tensors of any floating dtype and device
  // (result in the input's dtype and device). Throws Error when not fitted, when D differs, and in task
  // mode for an unseen task unless the policy is Pooled.
  torch::Tensor encode(const std::string& task, const torch::Tensor& x) const;
  torch::Tensor decode(const std::string& task, const torch::Tensor& z) const;

  // Tensors "global.mean" / "global.std" and "task.<name>.mean" / ".std" (float32), options and task
  // counts in the metadata entry "lorastudio.normalizer". Written atomically; FileError names the file.
  void save(const std::string& path) const;
  static ParameterNormalizer load(const std::string& path);
  // The same as JSON (statistics as arrays of numbers: large for per-coordinate statistics).
  nlohmann::json to_json() const;
  static ParameterNormalizer from_json(const nlohmann::json& j, const std::string& label);

 private:
  struct Accumulator {  // per-coordinate running statistics (Chan et al.), float64
    int64_t n = 0;
    torch::Tensor mean, m2;  // [D]
    void add(const torch::Tensor& rows);
  };
  struct Stats {
    torch::Tensor mean, std;  // float32, 0-d or [D]
  };
  const Stats& stats_for(const std::string& task) const;
  Stats summarize(const Accumulator& acc, bool per_coordinate) const;
  nlohmann::json header_json() const;
  static ParameterNormalizer from_header(const nlohmann::json& j, const std::string& label);

  NormalizationOptions options_;
  bool fitted_ = false;
  bool loaded_ = false;  // statistics only, no accumulators
  int64_t dim_ = 0;
  std::map<std::string, int64_t> task_counts_;
  std::map<std::string, Accumulator> task_acc_;
  Accumulator global_acc_;
  std::map<std::string, Stats> task_stats_;  // task mode only
  Stats global_stats_;  // per coordinate in global mode; pooled (scalar or per coordinate) in task mode
};

}  // namespace lorastudio
