#pragma once
// SentencePiece models (T5's spiece.model) through Debian's libsentencepiece: the text is encoded as the
// library encodes it and T5's end token </s> is appended; padding uses the model's pad id. The library is reached
// through the lorastudio_sentencepiece module (sentencepiece_module.h says why), found beside the program, at the
// path it was built to, or at $LORASTUDIO_SENTENCEPIECE_MODULE.
#include <filesystem>
#include <memory>

#include "core/text/tokenizer.h"

extern "C" {
typedef struct lssp_model lssp_model;
}

namespace lorastudio::text {

class SentencePieceTokenizer : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::filesystem::path& model_file);
  ~SentencePieceTokenizer() override;

  TokenizerKind kind() const override { return TokenizerKind::SentencePiece; }
  std::vector<Token> tokenize(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = true) const override;
  int64_t vocab_size() const override;
  Token pad_token() const override { return pad_; }
  bool is_special(int64_t id) const override;
  const SpecialTokenTemplate& special_tokens() const override { return template_; }

 private:
  std::string piece(int64_t id) const;
  lssp_model* model_ = nullptr;
  Token pad_;
  SpecialTokenTemplate template_;
};

}  // namespace lorastudio::text
