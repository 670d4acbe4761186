#include "core/text/vocab_files.h"

#include <fstream>
#include <sstream>

#ifdef LORASTUDIO_HAVE_ZLIB
#include <zlib.h>
#endif

#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio::text {

namespace {

std::string read_plain(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path.string(), "cannot be opened");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string read_gzip(const std::filesystem::path& path) {
#ifdef LORASTUDIO_HAVE_ZLIB
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw FileError(path.string(), "cannot be opened");
  std::string out;
  char chunk[1 << 16];
  int n = 0;
  while ((n = gzread(file, chunk, sizeof chunk)) > 0) out.append(chunk, static_cast<size_t>(n));
  int status = 0;
  const char* message = gzerror(file, &status);
  std::string problem = (n < 0 || status < 0) ? std::string(message ? message : "read error") : std::string();
  gzclose(file);
  if (!problem.empty()) throw FileError(path.string(), "is not a readable gzip file (" + problem + ")");
  return out;
#else
  throw FileError(path.string(), "is gzip-compressed and this build has no zlib; unpack it with gunzip first");
#endif
}

}  // namespace

std::vector<std::string> read_text_lines(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) throw FileError(path.string(), "does not exist or is not a file");
  std::string text = path.extension() == ".gz" ? read_gzip(path) : read_plain(path);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::unordered_map<std::string, int64_t> read_json_vocab(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) throw FileError(path.string(), "does not exist or is not a file");
  nlohmann::json j = parse_json(read_plain(path), path.string(), "the vocabulary");
  if (!j.is_object()) throw FileError(path.string(), "is not a JSON object of token → id");
  std::unordered_map<std::string, int64_t> vocab;
  vocab.reserve(j.size());
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0) {
      throw FileError(path.string(), "token '" + it.key() + "' has no non-negative integer id");
    }
    vocab.emplace(it.key(), it.value().get<int64_t>());
  }
  return vocab;
}

BpeMerges merges_from_lines(const std::vector<std::string>& lines, const std::string& label, size_t first_line,
                            size_t max_merges) {
  BpeMerges merges;
  for (size_t i = first_line; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (i == first_line && line.rfind("#version", 0) == 0) continue;
    if (line.empty()) {
      bool rest_blank = true;
      for (size_t k = i; k < lines.size() && rest_blank; ++k) rest_blank = lines[k].empty();
      if (rest_blank) break;
    }
    size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 >= line.size() ||
        line.find(' ', space + 1) != std::string::npos) {
      throw FileError(label, "line " + std::to_string(i + 1) + " is not a merge \"left right\": '" + line + "'");
    }
    merges.add(line.substr(0, space), line.substr(space + 1));
    if (max_merges && merges.size() >= max_merges) break;
  }
  if (merges.size() == 0) throw FileError(label, "holds no merges");
  return merges;
}

std::vector<std::string> invert_vocab(const std::unordered_map<std::string, int64_t>& vocab, const std::string& label) {
  std::vector<std::string> tokens(vocab.size());
  std::vector<bool> seen(vocab.size(), false);
  for (const auto& [token, id] : vocab) {
    if (id >= static_cast<int64_t>(tokens.size()) || seen[static_cast<size_t>(id)]) {
      throw FileError(label, "ids are not 0 … " + std::to_string(vocab.size() - 1) + " each once (token '" + token +
                                 "' has id " + std::to_string(id) + ")");
    }
    tokens[static_cast<size_t>(id)] = token;
    seen[static_cast<size_t>(id)] = true;
  }
  return tokens;
}

}  // namespace lorastudio::text
