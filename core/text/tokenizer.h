#pragma once
// The tokenizers of the model families the studio reads, behind one interface:
//   WordPiece (BERT: vocab.txt), byte-level BPE (GPT-2 and RoBERTa: encoder.json + vocab.bpe or
//   vocab.json + merges.txt), CLIP's BPE (bpe_simple_vocab_16e6.txt.gz or vocab.json + merges.txt) and
//   SentencePiece (T5: spiece.model). Each reproduces its reference library's ids exactly (tests compare with
//   ../shared/golden/tokenizers).
//
//   auto tok = lorastudio::text::load_tokenizer("models/bert-base-uncased");   // a folder or a vocabulary file
//   Encoding e = tok->encode("Hello world!");                                     // [CLS] hello world ! [SEP]
//   Encoding p = tok->encode_pair("A premise.", "A hypothesis.", {.max_length = 128, .pad_to_max_length = true});
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lorastudio::text {

enum class TokenizerKind { WordPiece, ByteLevelBpe, ClipBpe, SentencePiece };
std::string to_string(TokenizerKind kind);             // "wordpiece", "byte-level-bpe", "clip-bpe", "sentencepiece"
TokenizerKind tokenizer_kind_from_string(std::string_view name);  // throws Error naming the choices

struct Token {
  int64_t id = 0;
  std::string text;  // the vocabulary's spelling ("##ing", "Ġworld", "world</w>", "▁world")
};

struct Encoding {
  std::vector<int64_t> ids;
  std::vector<std::string> tokens;
  std::vector<int64_t> type_ids;        // 0 for the first text (and its special tokens), 1 for the second
  std::vector<int64_t> attention_mask;  // 1 for real tokens, 0 for padding
  size_t size() const { return ids.size(); }
};

struct EncodeOptions {
  bool add_special_tokens = true;
  int64_t max_length = 0;          // 0: no truncation; otherwise the content is cut (longest text first)
  bool pad_to_max_length = false;  // pad with the tokenizer's pad token up to max_length
};

// Where a tokenizer puts its special tokens: single = prefix A suffix, pair = prefix A separator B suffix.
struct SpecialTokenTemplate {
  std::vector<Token> prefix, separator, suffix;
  bool second_text_type_one = false;  // BERT: B and its suffix get token type 1
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual TokenizerKind kind() const = 0;
  // The text's tokens without special tokens.
  virtual std::vector<Token> tokenize(std::string_view text) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = true) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual Token pad_token() const = 0;
  virtual bool is_special(int64_t id) const = 0;
  virtual const SpecialTokenTemplate& special_tokens() const = 0;

  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const;
  Encoding encode_pair(std::string_view first, std::string_view second, const EncodeOptions& options = {}) const;
};

// Opens the tokenizer in a folder (or a vocabulary file itself), recognised by its files: vocab.txt, spiece.model,
// encoder.json + vocab.bpe, vocab.json + merges.txt, bpe_simple_vocab_16e6.txt.gz. A folder with none of them, or
// a broken file, is a FileError naming the path and the problem.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path);

}  // namespace lorastudio::text
