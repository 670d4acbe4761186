#pragma once
// GPT-2's byte-level BPE (also RoBERTa's): the text is split by GPT-2's pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// each piece's UTF-8 bytes become their printable stand-ins, and the ranked merges join them. Decoding maps the
// stand-ins back to bytes, so any text round-trips exactly. GPT-2 adds no special tokens; a RoBERTa vocabulary
// (with <s>, </s> and <pad>) wraps texts as <s> A </s></s> B </s>.
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>

#include "core/text/bpe_merges.h"
#include "core/text/tokenizer.h"

namespace lorastudio::text {

// The pattern's pieces of `text`, in order (their concatenation is the text).
std::vector<std::u32string> gpt2_pre_tokenize(const std::u32string& text);

class ByteLevelBpeTokenizer : public Tokenizer {
 public:
  // encoder.json + vocab.bpe (OpenAI's names) or vocab.json + merges.txt (Hugging Face's).
  ByteLevelBpeTokenizer(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_file);

  TokenizerKind kind() const override { return TokenizerKind::ByteLevelBpe; }
  std::vector<Token> tokenize(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = true) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(tokens_.size()); }
  Token pad_token() const override { return pad_; }
  bool is_special(int64_t id) const override;
  const SpecialTokenTemplate& special_tokens() const override { return template_; }
  bool roberta_template() const { return !template_.prefix.empty(); }

 private:
  std::unordered_map<std::string, int64_t> ids_;
  std::vector<std::string> tokens_;
  BpeMerges merges_;
  std::map<int64_t, std::string> specials_;
  Token pad_;
  SpecialTokenTemplate template_;
  std::string label_;
};

}  // namespace lorastudio::text
