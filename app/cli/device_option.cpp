#include "app/cli/device_option.h"

#include "app/cli/arg_parser.h"

namespace lorastudio::cli {

api::Device parse_api_device(const std::string& value, const std::string& what) {
  const std::optional<api::Device> device = api::device_from_string(value);
  if (!device) {
    if (value.rfind("cuda", 0) == 0) throw UsageError(what + ": '" + value + "' is not a device (cuda or cuda:N)");
    throw UsageError(what + ": unknown device '" + value + "' (cpu or cuda)");
  }
  if (api::is_available(*device)) return *device;
  const size_t cuda_devices = api::available_devices().size() - 1;
  if (cuda_devices == 0)
    throw UsageError(what + ": no CUDA device here (this build or machine has none); use --device cpu");
  throw UsageError(what + ": there is no " + value + " (" + std::to_string(cuda_devices) + " CUDA devices)");
}

torch::Device parse_device_name(const std::string& value, const std::string& what) {
  const api::Device d = parse_api_device(value, what);
  if (d.kind == api::DeviceKind::Cpu) return torch::kCPU;
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(d.index));
}

torch::Device device_option(const ArgParser& parser, const std::string& name) {
  return parse_device_name(parser.get(name), name);
}

api::Device api_device_option(const ArgParser& parser, const std::string& name) {
  return parse_api_device(parser.get(name), name);
}

}  // namespace lorastudio::cli
