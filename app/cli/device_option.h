#pragma once
// The --device option of every command: "cpu" or "cuda" (also "cuda:N"); anything else, or CUDA on a
// machine without it, is a UsageError instead of a silent fall-back to the CPU.
#include <string>

#include <torch/types.h>

#include "core/lorastudio.h"

namespace lorastudio::cli {

class ArgParser;

torch::Device device_option(const ArgParser& parser, const std::string& name = "--device");
// The same check for a device name from elsewhere (a config file's train.device overridden on the CLI).
torch::Device parse_device_name(const std::string& value, const std::string& what);
// The same, as the engine API's device.
api::Device api_device_option(const ArgParser& parser, const std::string& name = "--device");
api::Device parse_api_device(const std::string& value, const std::string& what);

}  // namespace lorastudio::cli
