// String round trips of the API's enums, and which devices this build and machine can use.
#include <torch/cuda.h>

#include "core/lorastudio.h"
#include "core/util/ascii_text.h"

namespace lorastudio::api {

std::string to_string(Sampler sampler) {
  switch (sampler) {
    case Sampler::Ddpm: return "ddpm";
    case Sampler::Ddim: return "ddim";
    case Sampler::DpmSolverPP: return "dpmpp";
  }
  return "ddim";
}

std::optional<Sampler> sampler_from_string(std::string_view name) {
  const std::string n = ascii_lower(name);
  if (n == "ddpm") return Sampler::Ddpm;
  if (n == "ddim") return Sampler::Ddim;
  if (n == "dpmpp" || n == "dpm++" || n == "dpmsolver++") return Sampler::DpmSolverPP;
  return std::nullopt;
}

const std::vector<Sampler>& all_samplers() {
  static const std::vector<Sampler> samplers{Sampler::Ddpm, Sampler::Ddim, Sampler::DpmSolverPP};
  return samplers;
}

std::string to_string(const Device& device) {
  if (device.kind == DeviceKind::Cpu) return "cpu";
  return device.index == 0 ? "cuda" : "cuda:" + std::to_string(device.index);
}

std::optional<Device> device_from_string(std::string_view name) {
  const std::string n = ascii_lower(name);
  if (n == "cpu") return Device{DeviceKind::Cpu, 0};
  if (n == "cuda") return Device{DeviceKind::Cuda, 0};
  if (n.rfind("cuda:", 0) != 0) return std::nullopt;
  const std::string digits = n.substr(5);
  if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return Device{DeviceKind::Cuda, std::stoi(digits)};
}

bool is_available(const Device& device) {
  if (device.kind == DeviceKind::Cpu) return true;
  return torch::cuda::is_available() && device.index >= 0 && device.index < static_cast<int>(torch::cuda::device_count());
}

std::vector<Device> available_devices() {
  std::vector<Device> out{Device{}};
  if (torch::cuda::is_available())
    for (int i = 0; i < static_cast<int>(torch::cuda::device_count()); ++i) out.push_back(Device{DeviceKind::Cuda, i});
  return out;
}

std::string to_string(Precision precision) { return precision == Precision::BFloat16 ? "bf16" : "fp32"; }

std::optional<Precision> precision_from_string(std::string_view name) {
  const std::string n = ascii_lower(name);
  if (n == "fp32" || n == "float32") return Precision::Float32;
  if (n == "bf16" || n == "bfloat16") return Precision::BFloat16;
  return std::nullopt;
}

std::string to_string(WhenBusy when_busy) { return when_busy == WhenBusy::Refuse ? "refuse" : "wait"; }

std::optional<WhenBusy> when_busy_from_string(std::string_view name) {
  const std::string n = ascii_lower(name);
  if (n == "wait") return WhenBusy::Wait;
  if (n == "refuse") return WhenBusy::Refuse;
  return std::nullopt;
}

int64_t FloatArray::size() const {
  if (!values) return 0;
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

}  // namespace lorastudio::api
