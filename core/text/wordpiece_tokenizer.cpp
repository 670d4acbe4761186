#include "core/text/wordpiece_tokenizer.h"

#include "core/text/unicode_text.h"
#include "core/text/vocab_files.h"
#include "core/util/error.h"

namespace lorastudio::text {

namespace {

// BERT's own character classes (transformers' _is_whitespace / _is_control / _is_punctuation).
bool bert_whitespace(char32_t c) { return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || is_space_separator(c); }
bool bert_control(char32_t c) { return !(c == U'\t' || c == U'\n' || c == U'\r') && is_other_category(c); }
bool bert_punctuation(char32_t c) {
  // Every non-letter/number ASCII character counts ("^", "$", "`"), though Unicode files some under symbols.
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  return is_punctuation_category(c);
}
bool cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(const std::filesystem::path& vocab_file, WordPieceOptions options)
    : options_(options) {
  std::vector<std::string> lines = read_text_lines(vocab_file);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) throw FileError(vocab_file.string(), "is an empty vocabulary");
  tokens_ = lines;
  for (size_t i = 0; i < lines.size(); ++i) ids_.emplace(lines[i], static_cast<int64_t>(i));  // the first wins
  const std::string label = vocab_file.string();
  unk_ = required("[UNK]", label);
  pad_ = required("[PAD]", label);
  template_.prefix = {required("[CLS]", label)};
  template_.separator = {required("[SEP]", label)};
  template_.suffix = template_.separator;
  template_.second_text_type_one = true;
}

Token WordPieceTokenizer::required(const std::string& token, const std::string& label) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) throw FileError(label, "has no " + token + " token: not a BERT WordPiece vocabulary");
  return {it->second, token};
}

bool WordPieceTokenizer::is_special(int64_t id) const {
  if (id < 0 || id >= vocab_size()) return false;
  const std::string& t = tokens_[static_cast<size_t>(id)];
  return t == "[CLS]" || t == "[SEP]" || t == "[PAD]" || t == "[MASK]" || t == "[UNK]";
}

std::u32string bert_normalize(std::string_view text, const WordPieceOptions& options_) {
  std::u32string cleaned;
  for (char32_t c : decode_utf8(text)) {
    if (c == 0 || c == 0xFFFD || bert_control(c)) continue;
    if (bert_whitespace(c)) {
      cleaned.push_back(U' ');
    } else if (cjk_ideograph(c)) {
      cleaned += U' ';
      cleaned.push_back(c);
      cleaned += U' ';
    } else {
      cleaned.push_back(c);
    }
  }
  if (options_.strip_accents) {
    std::u32string stripped;
    for (char32_t c : canonical_decomposition(cleaned)) {
      if (!is_nonspacing_mark(c)) stripped.push_back(c);
    }
    cleaned.swap(stripped);
  }
  return options_.lower_case ? to_lower(cleaned) : cleaned;
}

std::vector<std::u32string> bert_pre_tokenize(std::string_view text, const WordPieceOptions& options) {
  std::vector<std::u32string> words;
  std::u32string current;
  auto flush = [&] {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
  };
  for (char32_t c : bert_normalize(text, options)) {
    if (c == U' ') {
      flush();
    } else if (bert_punctuation(c)) {
      flush();
      words.push_back(std::u32string(1, c));
    } else {
      current.push_back(c);
    }
  }
  flush();
  return words;
}

std::vector<std::u32string> WordPieceTokenizer::pre_tokenize(std::string_view text) const {
  return bert_pre_tokenize(text, options_);
}

void WordPieceTokenizer::word_pieces(const std::u32string& word, std::vector<Token>& out) const {
  if (word.size() > options_.max_chars_per_word) {
    out.push_back(unk_);
    return;
  }
  std::vector<Token> pieces;
  size_t start = 0;
  while (start < word.size()) {
    size_t end = word.size();
    bool found = false;
    while (end > start) {
      std::string piece = (start > 0 ? "##" : "") + encode_utf8(word.substr(start, end - start));
      auto it = ids_.find(piece);
      if (it != ids_.end()) {
        pieces.push_back({it->second, std::move(piece)});
        found = true;
        break;
      }
      --end;
    }
    if (!found) {
      out.push_back(unk_);
      return;
    }
    start = end;
  }
  out.insert(out.end(), pieces.begin(), pieces.end());
}

std::vector<Token> WordPieceTokenizer::tokenize(std::string_view text) const {
  std::vector<Token> out;
  for (const std::u32string& word : pre_tokenize(text)) word_pieces(word, out);
  return out;
}

std::string WordPieceTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::string out;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) throw Error("token id " + std::to_string(id) + " is outside the vocabulary");
    if (skip_special_tokens && is_special(id) && tokens_[static_cast<size_t>(id)] != "[UNK]") continue;
    const std::string& t = tokens_[static_cast<size_t>(id)];
    if (t.rfind("##", 0) == 0) {
      out += t.substr(2);
    } else {
      if (!out.empty()) out += ' ';
      out += t;
    }
  }
  return out;
}

}  // namespace lorastudio::text
