#include "core/text/clip_tokenizer.h"

#include "core/text/html_entities.h"
#include "core/text/unicode_text.h"
#include "core/text/vocab_files.h"
#include "core/util/error.h"

namespace lorastudio::text {

namespace {

const std::u32string kStart = U"<|startoftext|>", kEnd = U"<|endoftext|>";
constexpr size_t kClipMerges = 49152 - 256 - 2;  // simple_tokenizer.py: merges[1:49152-256-2+1]

bool other_symbol(char32_t c) { return !is_regex_space(c) && !is_letter(c) && !is_number(c); }

size_t contraction_at(const std::u32string& t, size_t i) {
  if (t[i] != U'\'' || i + 1 >= t.size()) return 0;
  for (const std::u32string& c : {U"re", U"ve", U"ll", U"s", U"t", U"m", U"d"}) {
    if (t.compare(i + 1, c.size(), c) == 0) return 1 + c.size();
  }
  return 0;
}

// CLIP's pattern: the pieces (spaces between them are dropped).
std::vector<std::u32string> clip_pieces(const std::u32string& t) {
  std::vector<std::u32string> pieces;
  size_t i = 0;
  while (i < t.size()) {
    size_t n = 0;
    if (t.compare(i, kStart.size(), kStart) == 0) {
      n = kStart.size();
    } else if (t.compare(i, kEnd.size(), kEnd) == 0) {
      n = kEnd.size();
    } else if ((n = contraction_at(t, i)) > 0) {
    } else if (is_letter(t[i])) {
      while (i + n < t.size() && is_letter(t[i + n])) ++n;
    } else if (is_number(t[i])) {
      n = 1;
    } else if (other_symbol(t[i])) {
      while (i + n < t.size() && other_symbol(t[i + n])) ++n;
    } else {
      ++i;  // whitespace separates pieces
      continue;
    }
    pieces.push_back(t.substr(i, n));
    i += n;
  }
  return pieces;
}

}  // namespace

std::u32string clip_clean_text(std::string_view text) {
  std::u32string t = decode_utf8(html_unescape(html_unescape(std::string(text))));
  std::u32string out;
  bool pending_space = false;
  for (char32_t c : t) {
    if (is_regex_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(U' ');
    pending_space = false;
    out.push_back(c);
  }
  return to_lower(out);
}

ClipTokenizer::ClipTokenizer(const std::filesystem::path& bpe_simple_vocab) : label_(bpe_simple_vocab.string()) {
  std::vector<std::string> lines = read_text_lines(bpe_simple_vocab);
  merges_ = merges_from_lines(lines, label_, 1, kClipMerges);
  // The vocabulary as simple_tokenizer.py builds it: bytes, bytes + "</w>", each merge joined, then the specials.
  // The bytes come in bytes_to_unicode()'s dict order: the printable ones first, then the rest.
  std::vector<std::string> vocab;
  for (bool printable : {true, false}) {
    for (char32_t c : byte_to_unicode()) {
      if ((c < 256) == printable) vocab.push_back(encode_utf8(std::u32string(1, c)));
    }
  }
  for (size_t i = 0; i < 256; ++i) vocab.push_back(vocab[i] + "</w>");
  size_t taken = 0;
  for (size_t i = 1; i < lines.size() && taken < kClipMerges; ++i, ++taken) {
    std::string line = lines[i];
    size_t space = line.find(' ');
    vocab.push_back(line.substr(0, space) + line.substr(space + 1));
  }
  vocab.push_back("<|startoftext|>");
  vocab.push_back("<|endoftext|>");
  for (size_t i = 0; i < vocab.size(); ++i) ids_.emplace(vocab[i], static_cast<int64_t>(i));
  tokens_ = std::move(vocab);
  finish(label_);
}

ClipTokenizer::ClipTokenizer(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_file)
    : label_(vocab_json.string()) {
  ids_ = read_json_vocab(vocab_json);
  tokens_ = invert_vocab(ids_, label_);
  merges_ = merges_from_lines(read_text_lines(merges_file), merges_file.string());
  finish(label_);
}

void ClipTokenizer::finish(const std::string& label) {
  auto start = ids_.find("<|startoftext|>"), end = ids_.find("<|endoftext|>");
  if (start == ids_.end() || end == ids_.end()) {
    throw FileError(label, "has no <|startoftext|> and <|endoftext|> tokens: not a CLIP vocabulary");
  }
  template_.prefix = {{start->second, start->first}};
  template_.suffix = {{end->second, end->first}};
}

bool ClipTokenizer::is_special(int64_t id) const {
  return id == template_.prefix.front().id || id == template_.suffix.front().id;
}

std::vector<Token> ClipTokenizer::tokenize(std::string_view text) const {
  std::vector<Token> out;
  for (const std::u32string& piece : clip_pieces(clip_clean_text(text))) {
    std::string utf8 = encode_utf8(piece);
    auto special = ids_.find(utf8);
    if ((piece == kStart || piece == kEnd) && special != ids_.end()) {
      out.push_back({special->second, utf8});
      continue;
    }
    std::vector<std::string> symbols = byte_symbols(utf8);
    symbols.back() += "</w>";
    for (std::string& symbol : merges_.apply(std::move(symbols))) {
      auto it = ids_.find(symbol);
      if (it == ids_.end()) throw FileError(label_, "has no token for the BPE symbol '" + symbol + "'");
      out.push_back({it->second, std::move(symbol)});
    }
  }
  return out;
}

Encoding ClipTokenizer::encode_context(std::string_view text, int64_t context_length) const {
  return encode(text, {true, context_length, true});
}

std::string ClipTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::string joined;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) throw Error("token id " + std::to_string(id) + " is outside the vocabulary");
    if (skip_special_tokens && is_special(id)) continue;
    joined += tokens_[static_cast<size_t>(id)];
  }
  std::string bytes;
  std::u32string cps = decode_utf8(joined);
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps.compare(i, 4, U"</w>") == 0) {
      bytes += ' ';
      i += 3;
      continue;
    }
    int b = byte_from_unicode(cps[i]);
    if (b >= 0) bytes.push_back(static_cast<char>(b));
  }
  while (!bytes.empty() && bytes.back() == ' ') bytes.pop_back();
  return encode_utf8(decode_utf8(bytes));
}

}  // namespace lorastudio::text
