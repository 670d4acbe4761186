#pragma once
// A torch::nn::Module's parameters and buffers as a safetensors file whose keys are the module's own
// names (register_module / register_parameter), so loading is a name lookup that checks every shape.
#include <string>

#include <torch/torch.h>

namespace lorastudio {

void save_module_weights(const torch::nn::Module& module, const std::string& path,
                         const std::map<std::string, std::string>& metadata = {});
// Every parameter and buffer must be in the file with its shape; extra tensors are an error too.
void load_module_weights(torch::nn::Module& module, const std::string& path);
// Copies weights between two modules of the same structure (e.g. into an EMA copy).
void copy_module_weights(const torch::nn::Module& from, torch::nn::Module& to);
// Rounds every floating-point parameter and buffer, in place, to what `storage` (e.g. float16) can hold, keeping
// its own type: the module then computes exactly as it will after a save in `storage` and a load.
void round_module_weights(torch::nn::Module& module, torch::ScalarType storage);

}  // namespace lorastudio
