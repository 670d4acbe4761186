#pragma once
// Gathers the tensors of LoRA modules from a file's keys (whatever the format's naming) and checks
// that every module is complete before it becomes a LoraModule.
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "core/lora/lora_adapter.h"

namespace lorastudio {

enum class LoraPart { A, B, Alpha, Magnitude };

class ModuleAssembler {
 public:
  explicit ModuleAssembler(std::string label) : label_(std::move(label)) {}
  // Throws FileError if the same part of a module appears twice.
  void add(const std::string& component, const std::string& path, LoraPart part, torch::Tensor tensor,
           const std::string& key);
  bool empty() const { return parts_.empty(); }
  // Complete modules in natural order (block 2 before block 10). A module without its A or B is an
  // error; a module without an alpha tensor gets default_alpha(path, rank).
  std::vector<LoraModule> finish(const std::function<double(const std::string& path, int64_t rank)>& default_alpha,
                                 int* modules_without_alpha = nullptr) const;

 private:
  struct Parts {
    torch::Tensor a, b, alpha, magnitude;
    std::string a_key, b_key;
  };
  std::string label_;
  std::map<std::pair<std::string, std::string>, Parts> parts_;
};

// "block.10" after "block.2": compares digit runs numerically.
bool natural_less(const std::string& x, const std::string& y);

}  // namespace lorastudio
