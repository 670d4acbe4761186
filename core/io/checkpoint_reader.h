#pragma once
// Reads a checkpoint stored as safetensors, whole or sharded, as one set of named tensors:
//  - a single .safetensors file;
//  - a sharded index `*.safetensors.index.json` (Hugging Face format:
//    {"metadata": {...}, "weight_map": {"tensor name": "shard file name", ...}}), whose shard
//    files are looked up in the index's directory;
//  - a directory holding one of (first found wins) model.safetensors,
//    model.safetensors.index.json, diffusion_pytorch_model.safetensors,
//    diffusion_pytorch_model.safetensors.index.json.
// Every shard is opened (mapped) up front and checked against the index: a missing shard file, a
// tensor listed in weight_map but absent from its shard, a tensor present in a shard but not listed
// (or listed under another shard, e.g. present in two shards), a shard name that leaves the index's
// directory, and a malformed index are FileErrors naming the index (and the shard where one is
// at fault). A shard that is itself malformed gives SafetensorsReader's FileError naming it.
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/types.h>

#include "core/io/safetensors_header.h"

namespace lorastudio {

class SafetensorsReader;

class CheckpointReader {
 public:
  explicit CheckpointReader(const std::string& path);  // throws FileError
  ~CheckpointReader();
  CheckpointReader(CheckpointReader&&) noexcept;
  CheckpointReader& operator=(CheckpointReader&&) noexcept;

  const std::string& path() const { return path_; }             // as given
  const std::string& source_path() const { return source_; }    // the .safetensors or .index.json file read
  bool is_sharded() const { return !index_path_.empty(); }
  const std::string& index_path() const { return index_path_; }  // empty for a single file

  // Single file: its __metadata__. Index: the index's "metadata" object, strings as they are and
  // other values as compact JSON text (e.g. "total_size" -> "12345").
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // Tensor names: single file in header order; index sorted by name (weight_map's keys).
  const std::vector<std::string>& names() const { return names_; }
  size_t size() const { return names_.size(); }
  bool contains(const std::string& name) const { return where_.count(name) > 0; }
  const StTensorInfo& info(const std::string& name) const;  // throws FileError if absent
  torch::Tensor tensor(const std::string& name) const;      // zero-copy as SafetensorsReader::tensor
  const std::string& shard_path_of(const std::string& name) const;  // throws FileError if absent

  // Shards sorted by file name (one for a single file).
  size_t shard_count() const { return shards_.size(); }
  std::vector<std::string> shard_paths() const;
  const SafetensorsReader& shard(size_t i) const { return *shards_.at(i); }

 private:
  void open_file(const std::string& file);
  void open_index(const std::string& index_file);

  std::string path_;
  std::string source_;
  std::string index_path_;
  std::map<std::string, std::string> metadata_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<SafetensorsReader>> shards_;
  std::unordered_map<std::string, size_t> where_;  // tensor name -> shard index
};

// The largest index JSON accepted (real ones are well under a megabyte).
inline constexpr uint64_t kMaxCheckpointIndexBytes = 64ull << 20;

}  // namespace lorastudio
