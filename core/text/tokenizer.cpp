#include "core/text/tokenizer.h"

#include <algorithm>

#include "core/util/ascii_text.h"
#include "core/util/error.h"

namespace lorastudio::text {

namespace {

const std::vector<std::pair<TokenizerKind, const char*>>& kind_names() {
  static const std::vector<std::pair<TokenizerKind, const char*>> names = {
      {TokenizerKind::WordPiece, "wordpiece"},
      {TokenizerKind::ByteLevelBpe, "byte-level-bpe"},
      {TokenizerKind::ClipBpe, "clip-bpe"},
      {TokenizerKind::SentencePiece, "sentencepiece"}};
  return names;
}

// Cuts the longer text one token at a time (the second on a tie) until both fit `budget`, as transformers'
// "longest_first" truncation does.
void truncate_longest_first(std::vector<Token>& a, std::vector<Token>* b, size_t budget) {
  while (a.size() + (b ? b->size() : 0) > budget) {
    if (b && b->size() >= a.size() && !b->empty()) {
      b->pop_back();
    } else {
      a.pop_back();
    }
  }
}

void append(Encoding& e, const std::vector<Token>& tokens, int64_t type) {
  for (const Token& t : tokens) {
    e.ids.push_back(t.id);
    e.tokens.push_back(t.text);
    e.type_ids.push_back(type);
    e.attention_mask.push_back(1);
  }
}

Encoding assemble(const Tokenizer& tokenizer, std::vector<Token> a, std::vector<Token>* b,
                  const EncodeOptions& options) {
  const SpecialTokenTemplate& tpl = tokenizer.special_tokens();
  size_t specials = 0;
  if (options.add_special_tokens) specials = tpl.prefix.size() + tpl.suffix.size() + (b ? tpl.separator.size() : 0);
  if (options.max_length > 0) {
    if (static_cast<size_t>(options.max_length) < specials) {
      throw Error("max_length " + std::to_string(options.max_length) + " is shorter than the " +
                  std::to_string(specials) + " special tokens it must hold");
    }
    truncate_longest_first(a, b, static_cast<size_t>(options.max_length) - specials);
  }
  Encoding e;
  int64_t second = tpl.second_text_type_one ? 1 : 0;
  if (options.add_special_tokens) append(e, tpl.prefix, 0);
  append(e, a, 0);
  if (b) {
    if (options.add_special_tokens) append(e, tpl.separator, 0);
    append(e, *b, second);
  }
  if (options.add_special_tokens) append(e, tpl.suffix, b ? second : 0);
  if (options.pad_to_max_length && options.max_length > 0) {
    Token pad = tokenizer.pad_token();
    while (e.ids.size() < static_cast<size_t>(options.max_length)) {
      e.ids.push_back(pad.id);
      e.tokens.push_back(pad.text);
      e.type_ids.push_back(0);
      e.attention_mask.push_back(0);
    }
  }
  return e;
}

}  // namespace

std::string to_string(TokenizerKind kind) {
  for (const auto& [k, name] : kind_names()) {
    if (k == kind) return name;
  }
  return "unknown";
}

TokenizerKind tokenizer_kind_from_string(std::string_view name) {
  std::string lower = ascii_lower(name);
  std::string choices;
  for (const auto& [k, n] : kind_names()) {
    if (lower == n) return k;
    choices += (choices.empty() ? "" : ", ") + std::string(n);
  }
  throw Error("unknown tokenizer kind '" + std::string(name) + "' (expected one of " + choices + ")");
}

Encoding Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  return assemble(*this, tokenize(text), nullptr, options);
}

Encoding Tokenizer::encode_pair(std::string_view first, std::string_view second, const EncodeOptions& options) const {
  std::vector<Token> b = tokenize(second);
  return assemble(*this, tokenize(first), &b, options);
}

}  // namespace lorastudio::text
