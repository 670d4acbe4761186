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

struct LatentAtlas {
  std::vector<std::string> tasks;  // names, in index order
  std::vector<bool> held_out;      // per task: not trained on
  torch::Tensor latents;           // [N, C * L] float32
  torch::Tensor task_index;        // [N] int64

  int64_t size() const { return latents.defined() ? latents.size(0) : 0; }
  int64_t dimension() const { return latents.defined() ? latents.size(1) : 0; }
};

struct AtlasTask {
  std::string name;
  torch::Tensor checkpoints;  // [N, D] flat parameters in the generator's layout
  bool held_out = false;
};

// Encodes every task's checkpoints (with the statistics generation decodes that task with: its own, or
// the global ones for an unseen task). Throws Error when neither exists or D differs from the layout's.
LatentAtlas build_latent_atlas(ConditionalGenerator& generator, const std::vector<AtlasTask>& tasks);

// latents as float16 (or float32), task names and held-out flags in the metadata. Atomic; FileError.
void save_latent_atlas(const LatentAtlas& atlas, const std::string& path, bool float16 = true);
LatentAtlas load_latent_atlas(const std::string& path);  // FileError naming the file and the problem

}  // namespace lorastudio
