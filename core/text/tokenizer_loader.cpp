// load_tokenizer(): which tokenizer a folder (or a vocabulary file) holds, told by its files.
#include <fstream>
#include <sstream>

#include "core/text/byte_level_bpe_tokenizer.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/sentencepiece_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/text/wordpiece_tokenizer.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"

namespace lorastudio::text {

namespace fs = std::filesystem;

namespace {

bool file_contains(const fs::path& path, const std::string& needle) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str().find(needle) != std::string::npos;
}

// tokenizer_config.json's do_lower_case / strip_accents, when the folder has one.
WordPieceOptions wordpiece_options(const fs::path& dir) {
  WordPieceOptions options;
  fs::path config = dir / "tokenizer_config.json";
  if (!fs::is_regular_file(config)) return options;
  std::ifstream in(config, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j = parse_json(buffer.str(), config.string());
  if (j.contains("do_lower_case") && j["do_lower_case"].is_boolean()) options.lower_case = j["do_lower_case"];
  options.strip_accents = options.lower_case;
  if (j.contains("strip_accents") && j["strip_accents"].is_boolean()) options.strip_accents = j["strip_accents"];
  return options;
}

std::unique_ptr<Tokenizer> bpe_pair(const fs::path& vocab_json, const fs::path& merges) {
  if (!fs::is_regular_file(merges)) {
    throw FileError(vocab_json.string(), "needs its merges beside it (" + merges.filename().string() + " is missing)");
  }
  if (file_contains(vocab_json, "<|startoftext|>")) return std::make_unique<ClipTokenizer>(vocab_json, merges);
  return std::make_unique<ByteLevelBpeTokenizer>(vocab_json, merges);
}

std::unique_ptr<Tokenizer> from_file(const fs::path& file) {
  std::string name = file.filename().string();
  fs::path dir = file.parent_path();
  if (name == "vocab.txt") return std::make_unique<WordPieceTokenizer>(file, wordpiece_options(dir));
  if (file.extension() == ".model") return std::make_unique<SentencePieceTokenizer>(file);
  if (file.extension() == ".gz") return std::make_unique<ClipTokenizer>(file);
  if (name == "encoder.json") return bpe_pair(file, dir / "vocab.bpe");
  if (name == "vocab.json") return bpe_pair(file, dir / "merges.txt");
  throw FileError(file.string(), "is not a tokenizer file this studio reads (vocab.txt, spiece.model, encoder.json, "
                                 "vocab.json or bpe_simple_vocab_16e6.txt.gz)");
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& path) {
  if (!fs::exists(path)) throw FileError(path.string(), "does not exist");
  if (!fs::is_directory(path)) return from_file(path);
  for (const char* name : {"spiece.model", "tokenizer.model", "vocab.txt", "bpe_simple_vocab_16e6.txt.gz",
                           "encoder.json", "vocab.json"}) {
    if (fs::is_regular_file(path / name)) return from_file(path / name);
  }
  throw FileError(path.string(), "holds no tokenizer: expected vocab.txt (BERT), spiece.model (T5), encoder.json + "
                                 "vocab.bpe or vocab.json + merges.txt (GPT-2, RoBERTa, CLIP) or "
                                 "bpe_simple_vocab_16e6.txt.gz (CLIP)");
}

}  // namespace lorastudio::text
