#include "app/cli/device_option.h"

#include <torch/cuda.h>

#include "app/cli/arg_parser.h"

namespace lorastudio::cli {

torch::Device parse_device_name(const std::string& value, const std::string& what) {
  const bool cuda = value == "cuda" || value.rfind("cuda:", 0) == 0;
  if (value != "cpu" && !cuda) throw UsageError(what + ": unknown device '" + value + "' (cpu or cuda)");
  if (!cuda) return torch::kCPU;
  if (!torch::cuda::is_available())
    throw UsageError(what + ": no CUDA device here (this build " + std::string(torch::cuda::device_count() ? "" : "or machine ") +
                     "has none); use --device cpu");
  int index = 0;
  if (value.size() > 5) {
    const std::string n = value.substr(5);
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 3)
      throw UsageError(what + ": '" + value + "' is not a device (cuda or cuda:N)");
    index = std::stoi(n);
    if (index >= static_cast<int>(torch::cuda::device_count()))
      throw UsageError(what + ": there is no " + value + " (" + std::to_string(torch::cuda::device_count()) + " CUDA devices)");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

torch::Device device_option(const ArgParser& parser, const std::string& name) {
  return parse_device_name(parser.get(name), name);
}

}  // namespace lorastudio::cli
