#pragma once
// CLIP's BPE tokenizer (openai/CLIP simple_tokenizer.py, as Stable Diffusion and Cond P-Diff use it): HTML
// entities unescaped, whitespace collapsed, text lower-cased, split by CLIP's pattern
//   <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+
// and each piece's bytes merged with "</w>" marking the end of the word. <|startoftext|> A <|endoftext|>; the
// context is 77 tokens (truncated keeping the end token, padded with the end token), as CLIP's tokenize().
#include <filesystem>
#include <string>
#include <unordered_map>

#include "core/text/bpe_merges.h"
#include "core/text/tokenizer.h"

namespace lorastudio::text {

constexpr int64_t kClipContextLength = 77;

// CLIP's basic_clean + whitespace_clean + lower(): the text the pattern then splits.
std::u32string clip_clean_text(std::string_view text);

class ClipTokenizer : public Tokenizer {
 public:
  // OpenAI's bpe_simple_vocab_16e6.txt.gz (the vocabulary is built from its first 48,894 merges as CLIP does).
  explicit ClipTokenizer(const std::filesystem::path& bpe_simple_vocab);
  // Hugging Face's vocab.json + merges.txt.
  ClipTokenizer(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_file);

  TokenizerKind kind() const override { return TokenizerKind::ClipBpe; }
  std::vector<Token> tokenize(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = true) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(tokens_.size()); }
  Token pad_token() const override { return template_.suffix.front(); }
  bool is_special(int64_t id) const override;
  const SpecialTokenTemplate& special_tokens() const override { return template_; }

  // CLIP's tokenize(text, context_length=77, truncate=True): ids padded (with the end token) to 77.
  Encoding encode_context(std::string_view text, int64_t context_length = kClipContextLength) const;

 private:
  void finish(const std::string& label);
  std::unordered_map<std::string, int64_t> ids_;
  std::vector<std::string> tokens_;
  BpeMerges merges_;
  SpecialTokenTemplate template_;
  std::string label_;
};

}  // namespace lorastudio::text
