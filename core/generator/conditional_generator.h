#pragma once
// A trained conditional LoRA generator: layout + normalisation statistics + parameter autoencoder +
// latent denoiser (EMA weights) + condition encoder, and the tasks it was trained on.
//
// On disk it is one directory (a "generator bundle"):
//   generator.json              configs, latent scale, tasks and their conditions, format version
//   layout.json                 the zoo layout (module order, ranks, balancing)
//   normalization.safetensors   normalisation statistics (travel with the generator)
//   autoencoder.safetensors     parameter autoencoder weights (keys = module names)
//   denoiser.safetensors        denoiser weights (EMA)
//   condition_encoder.safetensors  condition encoder weights (when it has any)
//   training_log.jsonl          one JSON line per logged training step
// Loading validates all of it, with errors naming the file and the problem.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/cuda/cuda_graph_runner.h"
#include "core/generator/condition_encoder.h"
#include "core/generator/generator_config.h"
#include "core/generator/latent_denoiser.h"
#include "core/generator/param_autoencoder.h"
#include "core/zoo/normalization.h"
#include "core/zoo/zoo_layout.h"
#include "core/zoo/zoo_manifest.h"

namespace lorastudio {

struct GeneratorTask {
  std::string name;
  TaskCondition condition;  // as stored in the zoo (text, examples, image copies)
  std::vector<std::string> image_files;  // absolute paths of the condition images used in training
};

class ConditionalGenerator {
 public:
  ConditionalGenerator(GeneratorConfig config, ZooLayout layout, ParameterNormalizer normalizer,
                       std::vector<GeneratorTask> tasks);

  GeneratorConfig config;
  ZooLayout layout;
  ParameterNormalizer normalizer;
  std::vector<GeneratorTask> tasks;
  double latent_scale = 1.0;  // latents are multiplied by this before diffusion (unit variance)

  ParamAutoencoder autoencoder{nullptr};
  std::shared_ptr<LatentDenoiserImpl> denoiser;
  std::shared_ptr<ConditionEncoderImpl> condition_encoder;
  // Captured CUDA graphs of the denoiser for sampling (cleared by to(); see cuda_graph_runner.h).
  std::shared_ptr<CudaGraphRunner> graphs = std::make_shared<CudaGraphRunner>();
  // Per task, the tensors decoding needs (statistics, balance scales) on the device, made on first use by
  // generation so repeated generations do not rebuild and upload them (cleared by to()).
  std::map<std::string, std::vector<torch::Tensor>> decode_tensors;

  void to(torch::Device device);
  torch::Device device() const;
  void eval();

  int64_t task_index(const std::string& name) const;  // -1 when unknown
  // The encoder input for a training task (text, examples, image, index).
  ConditionInput task_condition(const std::string& name) const;
  // One condition per condition image of the task (training draws among them); task_condition()'s alone
  // when the encoder takes no images or the task has one.
  std::vector<ConditionInput> task_condition_variants(const std::string& name) const;
  // The task whose condition text equals `text` (a generation request for a known task), or "".
  std::string task_for_text(const std::string& text) const;
  // The task one of whose training condition images has exactly these pixels ([3, H, W] as
  // load_rgb_image gives), or "". Unreadable stored images are skipped.
  std::string task_for_image(const torch::Tensor& image) const;

  void save(const std::string& dir) const;  // files written atomically, one by one
  static ConditionalGenerator load(const std::string& dir);
};

inline constexpr int kGeneratorBundleVersion = 1;


}  // namespace lorastudio
