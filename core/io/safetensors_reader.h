#pragma once
// Reads a .safetensors file by mapping it into memory. Tensors are zero-copy CPU views of the
// mapping (the mapping stays alive as long as any tensor from it does, even after the reader is
// destroyed). The mapping is private: writing into a view never reaches the file.
// Caveat of any mmap reader: if another process truncates the file while it is mapped, touching
// the lost pages raises SIGBUS; files are replaced by rename (AtomicFile), which is safe.
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/types.h>

#include "core/io/safetensors_header.h"

namespace lorastudio {

torch::ScalarType to_torch_dtype(StDtype dtype);
StDtype from_torch_dtype(torch::ScalarType dtype, const std::string& label);  // throws FileError for unsupported

class SafetensorsReader {
 public:
  explicit SafetensorsReader(const std::string& path);  // throws FileError naming the file and the fault

  const std::string& path() const { return path_; }
  const StHeader& header() const { return header_; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  std::vector<std::string> names() const;  // header order
  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  const StTensorInfo& info(const std::string& name) const;  // throws FileError if absent
  // Zero-copy view, copied only when the bytes are misaligned for the dtype or when a BOOL tensor
  // holds bytes other than 0/1 (read as true). Throws FileError if absent.
  torch::Tensor tensor(const std::string& name) const;

 private:
  struct Mapping;
  std::string path_;
  std::shared_ptr<Mapping> mapping_;
  StHeader header_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace lorastudio
