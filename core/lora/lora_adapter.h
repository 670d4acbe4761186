#pragma once
// The one in-memory LoRA adapter model that every format reads into and writes from.
//
// Per target module: A [r, in], B [out, r], alpha, rank (from the tensors), optional DoRA
// magnitude [out].
//
// Convolutional LoRA (LoCon; PEFT's Conv1d/Conv2d/Conv3d LoRA) is held in the same 2-D form: the file's
// down-projection [r, in, k…] (a k×k convolution to r channels) becomes A [r, in·k…] and the up-projection
// [out, r, 1…] (a 1×1 convolution) becomes B [out, r]; `kernel_size` records k… so that the files are written
// back exactly as they were read. ΔW = scale·B·A is then the conv weight [out, in, k…] flattened to
// [out, in·k…], which is what PEFT's conv ΔW (conv of A by B) computes, and everything that works on the
// 2-D factors (mixing, statistics, zoo vectors, generation) works on conv modules unchanged. Module paths are the base model's own module names (e.g.
// "transformer_blocks.0.attn1.to_q" in a PixArt transformer, "bert.encoder.layer.0.attention.self.query"
// in a transformers BERT), relative to the model component named by `component`.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

namespace lorastudio {

struct LoraModule {
  std::string path;        // module path inside the base model component
  std::string component;   // pipeline component: "transformer", "unet", "text_encoder", ... or "" (a plain model)
  torch::Tensor A;         // lora_A / lora_down: [r, in]
  torch::Tensor B;         // lora_B / lora_up:   [out, r]
  double alpha = 1.0;
  torch::Tensor magnitude; // DoRA magnitude vector [out]; undefined when the adapter is plain LoRA
  std::vector<int64_t> kernel_size;  // conv LoRA: the base convolution's kernel (e.g. {3, 3}); empty for linear

  int64_t rank() const { return A.defined() ? A.size(0) : 0; }
  int64_t in_features() const { return A.defined() ? A.size(1) : 0; }  // in·k… for a conv module
  int64_t out_features() const { return B.defined() ? B.size(0) : 0; }
  bool is_dora() const { return magnitude.defined(); }
  bool is_conv() const { return !kernel_size.empty(); }
  int64_t kernel_elements() const;  // product of kernel_size (1 for linear)
  int64_t in_channels() const { return in_features() / kernel_elements(); }
  // The factors in the shapes files store: A [r, in, k…] and B [out, r, 1…] for conv, A and B as they are otherwise.
  torch::Tensor file_A() const;
  torch::Tensor file_B() const;
  // The shape of ΔW as the base model holds it: "320x320" or, for conv, "320x320x3x3".
  std::string shape_text() const;
};

struct LoraAdapter {
  std::vector<LoraModule> modules;   // in file order (sorted by path when read)
  bool use_rslora = false;           // scale alpha/sqrt(r) instead of alpha/r
  bool fan_in_fan_out = false;       // base weights are stored [in, out] (GPT-2 Conv1D)
  std::string base_model;            // base_model_name_or_path
  std::string task_type;             // PEFT task_type (e.g. "SEQ_CLS"), may be empty
  std::vector<std::string> target_modules;            // as the config names them
  std::map<std::string, torch::Tensor> saved_modules; // modules_to_save: full weights, "classifier.weight" -> tensor
  std::map<std::string, std::string> provenance;      // generator, condition, seed, sampler, steps, ...

  // alpha/r, or alpha/sqrt(r) with rsLoRA.
  double scale(const LoraModule& m) const;
  const LoraModule* find(const std::string& path, const std::string& component = {}) const;
  // Parameters of the low-rank factors (and DoRA magnitudes); saved full modules are not counted.
  int64_t parameter_count() const;
  // Shapes consistent (A 2-D, B 2-D, ranks agree, magnitude [out]); throws FileError(label, ...) naming the module.
  void validate(const std::string& label) const;
  // Names of the modules (and saved full modules) whose tensors hold NaN or Inf, in order.
  std::vector<std::string> non_finite_modules() const;
  // Throws FileError(label, …) listing them when there are any: an adapter with NaN or Inf is refused.
  void require_finite(const std::string& label) const;
  // Same modules (path, component, in, out, kernel) in the same order; returns "" or a description of the first
  // difference. A module without a component (as PEFT files leave it) matches its path under any component.
  std::string layout_difference(const LoraAdapter& other) const;
};

// Full key of a module for messages and maps: "component:path" or just "path".
std::string module_key(const LoraModule& m);

}  // namespace lorastudio
