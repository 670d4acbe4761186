#pragma once
// Is a generated adapter its task's own, new, and as varied as the task's checkpoints? For each generated
// parameter vector: the nearest training checkpoint of its task and of any task, the ΔW cosine per module to
// the nearest own checkpoint, and a copy verdict that says which reference scale it rests on:
//  - the within-task spread (each checkpoint's distance to its nearest other checkpoint of the task), when
//    the task has at least two checkpoints: a sample closer to a checkpoint than half the median spread is a
//    copy (a new sample from the task's distribution lies about one median spread from its nearest checkpoint);
//  - noise baselines otherwise (Cond P-Diff's PixArt zoo has one adapter per style), as in p-diff's
//    evaluation: the distance of a training checkpoint plus standardised Gaussian noise at 1, 3, 5 and 10% of
//    the per-coordinate spread over the zoo; a sample as close to a checkpoint as the 10% noisy copy is a copy.
// Beside them the distance between tasks (how far the task's checkpoints lie from another task's), and for the
// whole batch its diversity (pairwise spread against the checkpoints') and coverage (density and coverage,
// Naeem et al. 2020: the share of checkpoints whose k-NN ball holds a sample, and of samples inside a ball).
// Cond P-Diff's released generator fails this: its adapters for three different styles lie within about 1%
// of one training adapter.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

namespace lorastudio {

class Zoo;
class ZooLayout;

// Where distances are measured: between the adapters' weight updates ΔW (the default: what an adapter does;
// see core/zoo/delta_space.h), or between the flat parameter vectors the generator models.
enum class ReportSpace { DeltaW, Flat };
const char* report_space_name(ReportSpace space);  // "delta_w", "flat"
ReportSpace parse_report_space(const std::string& name);  // throws Error for others

struct TaskSpread {
  int64_t count = 0;                    // checkpoints
  double min = 0, median = 0, max = 0;  // nearest-other-checkpoint distances within the task (count >= 2)
  double mean_pairwise = 0;             // mean distance between two checkpoints of the task
  bool defined() const { return count >= 2; }
};

struct NoiseBaseline {
  double level = 0;     // noise standard deviation as a fraction of the per-coordinate spread
  double distance = 0;  // median distance of such a noisy copy from its checkpoint
};

struct ReferenceScales {
  TaskSpread within;
  double between_task = 0;        // median over the task's checkpoints of the distance to another task's nearest one
  std::string nearest_other_task; // "" in a zoo of one task
  std::vector<NoiseBaseline> noise;
  std::string noise_spread;       // what the per-coordinate spread of the noise baselines is
};

enum class CopyScale { WithinTaskSpread, NoiseBaseline };
const char* copy_scale_name(CopyScale scale);  // "within-task spread", "noise baseline"

struct CandidateMemorization {
  double nearest_own = 0;          // ||x − nearest checkpoint of the target task||
  int64_t nearest_index = -1;      // its row in the target task
  double nearest_any = 0;          // over all tasks
  std::string nearest_task;        // the task of that checkpoint
  int64_t nearest_any_index = -1;  // its row in that task
  double relative_distance = 0;    // nearest_any / ||that checkpoint|| ("within 1% of one original")
  double relative_to_spread = 0;   // nearest_own / the task's median spread (0 when it has one checkpoint)
  double relative_to_between = 0;  // nearest_any / the distance between tasks (0 in a zoo of one task)
  double noise_level = 0;          // the smallest noise baseline at least as far as nearest_any (0: farther than all)
  double mean_module_cosine = 0;   // ΔW cosine to the nearest own checkpoint, averaged over modules
  double min_module_cosine = 0;
  bool is_copy = false;
  std::string verdict;             // one line, naming the scale it rests on
};

struct Diversity {
  double generated_pairwise = 0;   // mean distance between two generated samples
  double checkpoint_pairwise = 0;  // the same among the task's checkpoints (0 with one)
  double ratio = 0;                // generated / checkpoints (0 when undefined): ≈ 1 new and varied, ≪ 1 collapsed
  int64_t k = 0;                   // neighbours for coverage (0: fewer than 2 checkpoints, not computed)
  double coverage = 0;             // checkpoints whose k-NN ball (among checkpoints) holds a generated sample
  double precision = 0;            // generated samples inside some checkpoint's k-NN ball
};

struct MemorizationReport {
  std::string task;
  ReportSpace space = ReportSpace::DeltaW;
  ReferenceScales scales;
  CopyScale copy_scale = CopyScale::WithinTaskSpread;
  std::vector<CandidateMemorization> candidates;
  double own_task_fraction = 0;   // candidates whose nearest checkpoint (any task) is of `task`
  int64_t copies = 0;
  // median nearest_own / median within-task spread: ≈ 1 for new samples of the task's distribution, → 0 for
  // copies (0 when the task has one checkpoint)
  double memorization_ratio = 0;
  Diversity diversity;
};

// Distances between the rows of two [n, D] and [m, D] tensors → [n, m] float64.
using RowDistances = std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>;
RowDistances row_distances(ReportSpace space, const ZooLayout& layout);
RowDistances euclidean_distances();

TaskSpread task_spread(const torch::Tensor& checkpoints /*[N, D]*/, const RowDistances& distance = euclidean_distances());
// Mean pairwise distance between rows (0 for fewer than two).
double mean_pairwise_distance(const torch::Tensor& rows, const RowDistances& distance = euclidean_distances());
// Density-and-coverage with k neighbours: {coverage, precision} of `generated` against `real`.
std::pair<double, double> coverage_and_precision(const torch::Tensor& real, const torch::Tensor& generated, int64_t k,
                                                 const RowDistances& distance = euclidean_distances());

// `generated` [N, D] denormalised flat parameters in the zoo's layout. Noise baselines are drawn with a fixed
// seed, so the report is deterministic.
MemorizationReport memorization_report(const Zoo& zoo, const std::string& task, const torch::Tensor& generated,
                                       bool module_cosines = true, ReportSpace space = ReportSpace::DeltaW);

// The report as JSON (report.json's "memorization", the studio's results table).
nlohmann::json to_json(const MemorizationReport& report);

}  // namespace lorastudio
