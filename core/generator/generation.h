#pragma once
// Sampling new adapters from a trained generator: N candidates for one condition in one batch, with
// classifier-free guidance, a seed, any of the schedulers, and a step callback that sees every step's
// x_t and x0 prediction (latent, and decoded to parameters on request) and can cancel.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/generator/conditional_generator.h"
#include "core/lora/lora_adapter.h"

namespace lorastudio {

class JsonReader;

struct GenerationStep {
  int index = 0, total = 0;
  int64_t timestep = 0;
  // On the steps GenerateOptions::step_data_every selects (undefined on the others):
  torch::Tensor x_t;        // [N, C, L] latent after this step (CPU copy)
  torch::Tensor x0_latent;  // [N, C, L] predicted clean latent (CPU copy)
  torch::Tensor x0_params;  // [N, D] decoded, denormalised parameters (only with decode_steps)
};
using GenerationCallback = std::function<bool(const GenerationStep&)>;  // false cancels

struct GenerateOptions {
  int64_t count = 20;
  std::string sampler = "ddim";   // ddpm | ddim | dpmpp
  int64_t steps = 25;
  double guidance = 1.0;          // 1 = conditional only; > 1 classifier-free guidance
  uint64_t seed = 0;
  double eta = 0.0;               // DDIM
  bool decode_steps = false;      // decode every step's x0 to parameters for the callback
  std::string task;               // normalisation statistics to decode with ("" = the training task whose
                                  // condition text or image equals the condition's, else pooled/global)
  bool cuda_graphs = true;        // replay the denoiser as a captured CUDA graph (CUDA builds, CUDA device)
  bool bf16 = false;              // autocast the denoiser to bf16 on CUDA (set here, in the generating thread)
  // Which steps hand the callback their tensors: every k-th step and the last (k >= 1), or none (0: the
  // callback only counts steps, with no copies and no host synchronisation).
  int step_data_every = 1;
};

struct GeneratedAdapters {
  // [N, D] denormalised flat parameters in the zoo's space (CPU, float32; page-locked after CUDA runs).
  torch::Tensor params;
  // N adapters in the zoo's layout, float32 on the CPU. Their factors are views of one [N, D] buffer (of
  // `params` itself when the layout's balance is the identity): clone a factor before modifying it in place.
  std::vector<LoraAdapter> adapters;
  std::string task;                     // whose statistics decoded them ("" = pooled/global)
  bool cancelled = false;
  bool whole_graph = false;             // sampled and decoded by one captured CUDA graph
  double seconds = 0;                   // wall time, all of it
  double sample_seconds = 0;            // condition encoding + the sampling loop (+ the decoder when whole_graph)
  double decode_seconds = 0;            // autoencoder decode + denormalisation + the copy to the host
  double unflatten_seconds = 0;         // flat parameters -> adapters
};

// "sampler", "steps", "guidance" as JSON keys (a recipe's evaluation or check section, a demo bundle's record of
// what its figures were sampled with): each read when present, checked against its range (JsonReader's errors).
void read_sampling(const JsonReader& r, GenerateOptions& options);
nlohmann::json sampling_json(const GenerateOptions& options);

inline constexpr int64_t kMaxGenerateCount = 4096;
inline constexpr double kMaxGuidance = 50.0;
// Throws Error naming the option and its allowed range (count, sampler, steps up to the training schedule's
// length, finite guidance from 0 to kMaxGuidance, eta from 0 to 1).
void validate_generate_options(const GenerateOptions& options, int64_t train_timesteps);

// On a CUDA device with cuda_graphs, a deterministic sampler (DDIM with eta 0, DPM-Solver++) and no step
// callback run as one CUDA graph, captured on first use per (sampler, steps, guidance, eta, N) and kept in
// the generator (the most recently used few); otherwise each denoiser call replays a per-step graph.
// The output is checked: NaN or Inf in any adapter is an Error (nothing is returned).
GeneratedAdapters generate_adapters(ConditionalGenerator& generator, const ConditionInput& condition,
                                    const GenerateOptions& options, const GenerationCallback& on_step = {});

}  // namespace lorastudio
