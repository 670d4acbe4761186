#pragma once
// Writes .safetensors files: to a temporary name beside the target, then renamed into place.
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

namespace lorastudio {

struct NamedTensor {
  std::string name;
  torch::Tensor tensor;
};

// Tensors are written in the given order (names must be unique, not "__metadata__", and valid
// UTF-8, as must the metadata); any device / layout is accepted (copied to dense contiguous CPU).
// Dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL. The header is padded with spaces so the data
// section starts 8-byte aligned. Everything is checked before anything is written; the bytes go to
// a temporary file beside PATH that is renamed over it only when complete, so a failure leaves an
// existing file untouched. Throws FileError naming the file.
void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The same bytes in memory (used by write_safetensors and by tests).
std::string serialize_safetensors(const std::vector<NamedTensor>& tensors,
                                  const std::map<std::string, std::string>& metadata = {},
                                  const std::string& label = "<memory>");

}  // namespace lorastudio
