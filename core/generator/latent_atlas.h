#pragma once
// Where a generator's training checkpoints lie in its sampling space: each checkpoint normalised and encoded
// by the parameter autoencoder (the mean latent, scaled like the sampler's latents), flattened. The studio's
// trajectory view embeds these beside every sampling step of every generated sample, so a sample's path
// can be seen ending among its task's checkpoints. Stored as a small safetensors file in demo bundles.
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace lorastudio {

class ConditionalGenerator;
class ZooLayout;

struct LatentAtlas {
  std::vector<std::string> tasks;  // names, in index order
  std::vector<bool> held_out;      // per task: not trained on
  torch::Tensor latents;           // [N, C * L] float32
  torch::Tensor task_index;        // [N] int64
  // Per task, its checkpoints' soup encoded the same way ([T, C * L]; undefined in older atlases): the mean of
  // the flat parameters, which is the exact ΔW soup when every checkpoint of the task shares its A factors
  // (soup_kind "delta_w") and only a parameter average otherwise ("parameter_mean").
  torch::Tensor soups;
  std::string soup_kind;

  int64_t size() const { return latents.defined() ? latents.size(0) : 0; }
  int64_t dimension() const { return latents.defined() ? latents.size(1) : 0; }
  bool has_soups() const { return soups.defined() && soups.size(0) == static_cast<int64_t>(tasks.size()); }
};

struct AtlasTask {
  std::string name;
  torch::Tensor checkpoints;  // [N, D] flat parameters in the generator's layout
  bool held_out = false;
};

// Whether every row of `checkpoints` [N, D] has the same A factors in `layout`: then the mean row is the
// exact ΔW soup (ΔW = B·A is linear in B).
bool shares_a_factors(const ZooLayout& layout, const torch::Tensor& checkpoints);

// Encodes every task's checkpoints and their soup (with the statistics generation decodes that task with: its own, or
// the global ones for an unseen task). Throws Error when neither exists or D differs from the layout's.
LatentAtlas build_latent_atlas(ConditionalGenerator& generator, const std::vector<AtlasTask>& tasks);

// Flat parameters [N, D] in the atlas's space: normalised with `task`'s statistics (or the global ones when
// the task has none) and encoded like the checkpoints. Throws Error without statistics.
torch::Tensor atlas_latents(ConditionalGenerator& generator, const std::string& task, const torch::Tensor& params);

// latents as float16 (or float32), task names and held-out flags in the metadata. Atomic; FileError.
void save_latent_atlas(const LatentAtlas& atlas, const std::string& path, bool float16 = true);
LatentAtlas load_latent_atlas(const std::string& path);  // FileError naming the file and the problem

}  // namespace lorastudio
