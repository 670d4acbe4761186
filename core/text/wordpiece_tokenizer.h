#pragma once
// BERT's WordPiece tokenizer as Hugging Face's BertTokenizerFast runs it: the text is cleaned (control
// characters dropped, whitespace made spaces), CJK ideographs are split off, accents stripped and letters
// lower-cased (when lower-casing), words split at whitespace and punctuation, then each word matched greedily,
// longest prefix first, with "##" continuations; a word that cannot be matched (or is over 100 characters) is
// [UNK]. Special tokens: [CLS] A [SEP] (B [SEP]), pad [PAD].
#include <filesystem>
#include <string>
#include <unordered_map>

#include "core/text/tokenizer.h"

namespace lorastudio::text {

struct WordPieceOptions {
  bool lower_case = true;
  bool strip_accents = true;  // as transformers: follows lower_case unless set otherwise
  size_t max_chars_per_word = 100;
};

// BERT's text clean-up and normalisation (above), and its split into words at whitespace and punctuation: what
// WordPiece then matches, and what a WordPiece vocabulary is trained on (wordpiece_trainer.h).
std::u32string bert_normalize(std::string_view text, const WordPieceOptions& options);
std::vector<std::u32string> bert_pre_tokenize(std::string_view text, const WordPieceOptions& options);

class WordPieceTokenizer : public Tokenizer {
 public:
  // vocab.txt: one token a line, the line number is the id.
  explicit WordPieceTokenizer(const std::filesystem::path& vocab_file, WordPieceOptions options = {});

  TokenizerKind kind() const override { return TokenizerKind::WordPiece; }
  std::vector<Token> tokenize(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = true) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(tokens_.size()); }
  Token pad_token() const override { return pad_; }
  bool is_special(int64_t id) const override;
  const SpecialTokenTemplate& special_tokens() const override { return template_; }

  // The words after cleaning, normalising and splitting (before WordPiece), for tests and diagnostics.
  std::vector<std::u32string> pre_tokenize(std::string_view text) const;

 private:
  Token required(const std::string& token, const std::string& label) const;
  void word_pieces(const std::u32string& word, std::vector<Token>& out) const;

  WordPieceOptions options_;
  std::unordered_map<std::string, int64_t> ids_;
  std::vector<std::string> tokens_;
  Token unk_, pad_;
  SpecialTokenTemplate template_;
};

}  // namespace lorastudio::text
