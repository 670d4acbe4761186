#pragma once
// What the studio needs of a world, behind one interface, so that a new world's bundle (the style demo, the
// text world, the synthetic text world) needs no change to the window or its widgets: the world's conditions
// (style images or task descriptions with few-shot examples), the atlas of its training checkpoints in the
// generator's latent space, the generator, how generated candidates are scored, and its preview kind.
//
// Threads: a world is immutable once opened and may be read from any thread; its generator is used by one
// generation at a time (the engine API serialises them); each preview worker owns the provider it was given.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/generator/generation.h"
#include "core/studio/candidate_table.h"
#include "core/studio/preview_provider.h"
#include "core/world/world_condition.h"

namespace lorastudio {

class ConditionalGenerator;
struct LatentAtlas;
struct LoraAdapter;

class StudioWorld {
 public:
  virtual ~StudioWorld() = default;
  virtual std::string name() const = 0;
  virtual std::string dir() const = 0;            // where it was opened from (projects refer to it)
  virtual std::string generator_dir() const = 0;  // the generator bundle the engine API loads
  virtual std::string notice() const { return {}; }  // shown in the window ("synthetic: …"); "" for a real world
  virtual ConditionKind condition_kind() const = 0;   // what the world's (and the user's) conditions are
  virtual const std::vector<WorldCondition>& conditions() const = 0;
  virtual const LatentAtlas& atlas() const = 0;
  virtual std::shared_ptr<ConditionalGenerator> generator() const = 0;
  // The results table of `adapters` generated for `condition`; `latents` [N, dim] where sampling left them.
  virtual CandidateTable candidate_table(const std::vector<LoraAdapter>& adapters, const torch::Tensor& latents,
                                         const WorldCondition& condition) const = 0;
  virtual std::unique_ptr<PreviewProvider> preview_provider() const = 0;
  // The sampler, steps and guidance the world's recorded figures were measured with: where the window starts.
  virtual GenerateOptions sampling() const { return {}; }
  // The same for one condition: a world may sample the conditions it never trained on with another guidance.
  virtual GenerateOptions sampling_for(const WorldCondition& condition) const {
    (void)condition;
    return sampling();
  }

  const WorldCondition* condition(const std::string& name) const;  // nullptr when unknown
  // The world's own condition that `condition` is: the one of its name, or the task whose description it repeats
  // (a typed description); "" for anything else (then its candidates are placed, not scored).
  std::string task_of(const WorldCondition& condition) const;
};

// Whether `dir`/world.json exists and names `format` (a synthetic or a trained generator's world). Throws
// FileError when the file is not JSON.
bool world_file_has_format(const std::string& dir, const std::string& format);

// Progress of a world being opened (or, for a synthetic world, built the first time): a line for the status bar.
using WorldProgress = std::function<void(const std::string& what)>;

// `name_or_dir`: "synthetic-text" (built in the user's cache on first use, in seconds), a folder holding a world
// (a style or text bundle's demo.json, a synthetic world's or a trained generator's world.json: zoo_world.h), or a
// bundle's name under $LORASTUDIO_DEMOS or `models_dir`/demo. Throws FileError
// naming the folder and the problem.
std::shared_ptr<const StudioWorld> open_studio_world(const std::string& name_or_dir, const std::string& models_dir,
                                                     const WorldProgress& progress = {});

}  // namespace lorastudio
