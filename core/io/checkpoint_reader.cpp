#include "core/io/checkpoint_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "core/io/safetensors_reader.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio {

namespace fs = std::filesystem;

namespace {
// Files looked for in a checkpoint directory, in this order.
constexpr const char* kDirectoryCandidates[] = {
    "model.safetensors",
    "model.safetensors.index.json",
    "diffusion_pytorch_model.safetensors",
    "diffusion_pytorch_model.safetensors.index.json",
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string quote_name(const std::string& s) {
  constexpr size_t kMax = 200;
  if (s.size() <= kMax) return "\"" + s + "\"";
  return "\"" + s.substr(0, kMax) + "...\"";
}

// stat(); 0 on success, errno otherwise.
int stat_path(const std::string& path, struct stat* st) { return ::stat(path.c_str(), st) == 0 ? 0 : errno; }
}  // namespace

CheckpointReader::~CheckpointReader() = default;
CheckpointReader::CheckpointReader(CheckpointReader&&) noexcept = default;
CheckpointReader& CheckpointReader::operator=(CheckpointReader&&) noexcept = default;

CheckpointReader::CheckpointReader(const std::string& path) : path_(path) {
  struct stat st {};
  if (int e = stat_path(path, &st)) throw FileError(path, std::string("cannot open checkpoint: ") + std::strerror(e));
  if (S_ISDIR(st.st_mode)) {
    for (const char* name : kDirectoryCandidates) {
      const std::string candidate = (fs::path(path) / name).string();
      struct stat cst {};
      if (stat_path(candidate, &cst) != 0 || !S_ISREG(cst.st_mode)) continue;
      if (ends_with(candidate, ".json"))
        open_index(candidate);
      else
        open_file(candidate);
      return;
    }
    std::string list;
    for (const char* name : kDirectoryCandidates) list += (list.empty() ? "" : ", ") + std::string(name);
    throw FileError(path, "directory holds no safetensors checkpoint (looked for " + list + ")");
  }
  if (ends_with(path, ".json"))
    open_index(path);
  else
    open_file(path);
}

void CheckpointReader::open_file(const std::string& file) {
  source_ = file;
  shards_.push_back(std::make_unique<SafetensorsReader>(file));
  const SafetensorsReader& r = *shards_.back();
  metadata_ = r.metadata();
  names_ = r.names();
  for (const auto& n : names_) where_.emplace(n, 0);
}

void CheckpointReader::open_index(const std::string& index_file) {
  using nlohmann::json;
  source_ = index_file;
  index_path_ = index_file;

  struct stat st {};
  if (int e = stat_path(index_file, &st)) throw FileError(index_file, std::string("cannot open index: ") + std::strerror(e));
  if (!S_ISREG(st.st_mode)) throw FileError(index_file, "index is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxCheckpointIndexBytes)
    throw FileError(index_file, "index is " + std::to_string(st.st_size) + " bytes, over the limit of " +
                                    std::to_string(kMaxCheckpointIndexBytes) + "; not a checkpoint index");
  const std::string text = read_text_file(index_file);

  const json index = parse_json(text, index_file, "the index");
  if (!index.is_object()) throw FileError(index_file, "index is not a JSON object");

  if (auto meta = index.find("metadata"); meta != index.end() && !meta->is_null()) {
    if (!meta->is_object()) throw FileError(index_file, "index \"metadata\" is not a JSON object");
    for (auto it = meta->begin(); it != meta->end(); ++it)
      metadata_[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
  }

  auto wm = index.find("weight_map");
  if (wm == index.end()) throw FileError(index_file, "index has no \"weight_map\"");
  if (!wm->is_object()) throw FileError(index_file, "index \"weight_map\" is not a JSON object");
  if (wm->empty()) throw FileError(index_file, "index \"weight_map\" is empty");

  // Shard file names -> paths beside the index. Names must stay inside the index's directory.
  fs::path dir = fs::path(index_file).parent_path();
  if (dir.empty()) dir = ".";
  std::map<std::string, std::vector<std::string>> listed;  // shard file name -> tensors listed for it
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    if (!it->is_string())
      throw FileError(index_file, "weight_map entry for tensor " + quote_name(it.key()) + " is not a string (a shard file name)");
    const std::string shard = it->get<std::string>();
    const fs::path rel(shard);
    bool escapes = shard.empty() || rel.is_absolute();
    for (const auto& part : rel)
      if (part == "..") escapes = true;
    if (escapes)
      throw FileError(index_file, "weight_map entry for tensor " + quote_name(it.key()) + " names shard " +
                                      quote_name(shard) + ", which is not a file name inside the index's directory");
    listed[shard].push_back(it.key());
  }

  // Open every shard (sorted by file name; normalised so "a" and "./a" are the same shard).
  std::map<std::string, size_t> shard_index;  // normalised path -> index in shards_
  std::map<std::string, size_t> by_name;      // shard name as written -> index in shards_
  for (const auto& [shard, tensors] : listed) {
    const std::string full = (dir / shard).lexically_normal().string();
    auto found = shard_index.find(full);
    if (found != shard_index.end()) {
      by_name[shard] = found->second;
      continue;
    }
    struct stat sst {};
    if (int e = stat_path(full, &sst))
      throw FileError(full, "shard listed in " + index_file + " for " + std::to_string(tensors.size()) +
                                " tensor(s) cannot be opened: " + std::strerror(e));
    shards_.push_back(std::make_unique<SafetensorsReader>(full));  // throws FileError naming the shard
    shard_index[full] = shards_.size() - 1;
    by_name[shard] = shards_.size() - 1;
  }

  // Every listed tensor is in its shard...
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    const std::string& name = it.key();
    const std::string shard = it->get<std::string>();
    const size_t i = by_name.at(shard);
    if (!shards_[i]->contains(name))
      throw FileError(index_file, "tensor " + quote_name(name) + " is listed in weight_map under shard " + quote_name(shard) +
                                      ", but " + shards_[i]->path() + " does not contain it");
    where_.emplace(name, i);
    names_.push_back(name);
  }
  // ...and every tensor of a shard is listed, for that shard.
  for (size_t i = 0; i < shards_.size(); ++i) {
    for (const auto& t : shards_[i]->header().tensors) {
      auto w = where_.find(t.name);
      if (w == where_.end())
        throw FileError(index_file, "tensor " + quote_name(t.name) + " is present in shard " + shards_[i]->path() +
                                        " but not listed in weight_map");
      if (w->second != i)
        throw FileError(index_file, "tensor " + quote_name(t.name) + " is present in two shards, " +
                                        shards_[w->second]->path() + " (where weight_map puts it) and " +
                                        shards_[i]->path());
    }
  }
}

const StTensorInfo& CheckpointReader::info(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw FileError(source_, "checkpoint has no tensor named " + quote_name(name));
  return shards_[it->second]->info(name);
}

torch::Tensor CheckpointReader::tensor(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw FileError(source_, "checkpoint has no tensor named " + quote_name(name));
  return shards_[it->second]->tensor(name);
}

const std::string& CheckpointReader::shard_path_of(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw FileError(source_, "checkpoint has no tensor named " + quote_name(name));
  return shards_[it->second]->path();
}

std::vector<std::string> CheckpointReader::shard_paths() const {
  std::vector<std::string> out;
  out.reserve(shards_.size());
  for (const auto& s : shards_) out.push_back(s->path());
  return out;
}

}  // namespace lorastudio
