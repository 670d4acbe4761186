#pragma once
// Loading a checkpoint's tensors into a model whose registered names are the checkpoint's keys. Whatever does not
// fit is reported by name — tensors the model needs that the file lacks, tensors of the file the model has no
// place for, tensors whose shapes differ — as one FileError naming the checkpoint, with the config summary that
// built the model, so "config.json says 4 layers, the weights have 6" reads as such.
#include <string>
#include <vector>

#include <torch/torch.h>

namespace lorastudio {
class CheckpointReader;
}

namespace lorastudio::models {

struct WeightLoadOptions {
  // Prefixes a checkpoint may add or lack relative to the model's names ("bert." when a bare BertModel file is
  // loaded into a classifier, or a classifier's file into a bare encoder).
  std::vector<std::string> optional_prefixes;
  // Model tensors the file may lack (left as initialised and listed in the report): name prefixes ("classifier.").
  std::vector<std::string> may_be_missing;
  // File tensors the model does not use (non-persistent buffers, tied heads): name suffixes or exact names.
  std::vector<std::string> ignored;
  std::string config_summary;  // "bert: 2 layers, hidden 32, 4 heads" for the error message
};

struct WeightLoadReport {
  std::vector<std::string> left_initialised;  // may_be_missing tensors the file lacked
  std::vector<std::string> ignored;           // file tensors skipped by `ignored`
  size_t loaded = 0;
};

// Copies (and converts to each parameter's dtype) every tensor; throws FileError listing every misfit.
WeightLoadReport load_weights(torch::nn::Module& model, const CheckpointReader& checkpoint,
                              const WeightLoadOptions& options = {});

// "[2, 32]".
std::string shape_text(torch::IntArrayRef shape);

}  // namespace lorastudio::models
