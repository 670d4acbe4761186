#pragma once
// A studio project: the demo it was made on, every generation (its settings, every sampling step's latents of
// every sample, the adapters' flat parameters) and the view state, in one file: a .lsproject is a safetensors
// file whose tensors are each generation's step latents and parameters and whose metadata holds the rest as
// JSON. Reopening it replays the trajectories into a fresh embedding without sampling again. Written to a
// temporary name, then renamed.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

namespace lorastudio {

inline constexpr const char* kStudioProjectFormat = "lora-studio project";
inline constexpr int kStudioProjectVersion = 1;

struct ProjectGeneration {
  std::string style;           // the condition's name
  std::string condition;       // its image file ("" for a text condition)
  std::string text;            // a text condition's description ("" for an image)
  std::vector<std::string> examples;  // and its few-shot examples
  int64_t samples = 0, steps = 0;
  std::string sampler;
  uint64_t seed = 0;
  double guidance = 1.0;
  torch::Tensor step_latents;  // [steps, samples, dim] float32: x_t after each step
  torch::Tensor parameters;    // [samples, D] float32: the adapters in the generator's flat layout
};

struct ProjectWalk {
  std::string from, to;                  // the two conditions' names
  std::vector<double> weights;           // [P]
  torch::Tensor latents;                 // [P, dim]: the walk's adapters in the atlas's space
  torch::Tensor interpolation_latents;   // [P, dim] or undefined: the ΔW interpolation between its ends
  torch::Tensor parameters;              // [P, D] or undefined (older projects): the walk's adapters, flat
  double largest_step = 0, interpolation_largest_step = 0;
};

struct StudioProject {
  std::string demo;            // the demo bundle's folder
  std::vector<ProjectGeneration> generations;
  std::vector<ProjectWalk> walks;
  nlohmann::json view = nlohmann::json::object();  // projection, hidden layers, interpolation ends, … (the GUI's)
};

// Throws Error for an inconsistent project (shapes that disagree with the counts), FileError when writing fails.
void save_studio_project(const StudioProject& project, const std::string& path);
// FileError naming the file and the problem.
StudioProject load_studio_project(const std::string& path);

}  // namespace lorastudio
