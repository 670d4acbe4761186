#include "core/text/byte_level_bpe_tokenizer.h"

#include "core/text/unicode_text.h"
#include "core/text/vocab_files.h"
#include "core/util/error.h"

namespace lorastudio::text {

namespace {

// 's 't 're 've 'm 'll 'd (lower case only, as GPT-2's pattern): the length matched at `i`, or 0.
size_t contraction_at(const std::u32string& t, size_t i) {
  if (t[i] != U'\'' || i + 1 >= t.size()) return 0;
  char32_t a = t[i + 1];
  if (a == U's' || a == U't' || a == U'm' || a == U'd') return 2;
  if (i + 2 < t.size()) {
    char32_t b = t[i + 2];
    if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) return 3;
  }
  return 0;
}

bool other_symbol(char32_t c) { return !is_regex_space(c) && !is_letter(c) && !is_number(c); }

size_t run_of(const std::u32string& t, size_t i, bool (*in_class)(char32_t)) {
  size_t j = i;
  while (j < t.size() && in_class(t[j])) ++j;
  return j - i;
}

// The length of the piece the pattern matches at `i` (always at least 1).
size_t piece_at(const std::u32string& t, size_t i) {
  if (size_t n = contraction_at(t, i)) return n;
  size_t k = (t[i] == U' ' && i + 1 < t.size()) ? i + 1 : i;
  for (bool (*cls)(char32_t) : {is_letter, is_number, other_symbol}) {
    if (cls(t[k])) return (k - i) + run_of(t, k, cls);
  }
  // Whitespace: \s+(?!\S) takes the run but leaves its last character to the next piece when a non-space
  // follows; a single space before a non-space is then matched by \s+ alone.
  size_t run = run_of(t, i, is_regex_space);
  if (i + run == t.size() || run == 1) return run;
  return run - 1;
}

}  // namespace

std::vector<std::u32string> gpt2_pre_tokenize(const std::u32string& text) {
  std::vector<std::u32string> pieces;
  for (size_t i = 0; i < text.size();) {
    size_t n = piece_at(text, i);
    pieces.push_back(text.substr(i, n));
    i += n;
  }
  return pieces;
}

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(const std::filesystem::path& vocab_json,
                                             const std::filesystem::path& merges_file)
    : label_(vocab_json.string()) {
  ids_ = read_json_vocab(vocab_json);
  tokens_ = invert_vocab(ids_, label_);
  merges_ = merges_from_lines(read_text_lines(merges_file), merges_file.string());
  auto find = [&](const char* t) -> const int64_t* {
    auto it = ids_.find(t);
    return it == ids_.end() ? nullptr : &it->second;
  };
  for (const char* t : {"<|endoftext|>", "<s>", "</s>", "<pad>", "<unk>", "<mask>"}) {
    if (const int64_t* id = find(t)) specials_[*id] = t;
  }
  const int64_t *bos = find("<s>"), *eos = find("</s>"), *pad = find("<pad>"), *eot = find("<|endoftext|>");
  if (bos && eos && pad) {  // RoBERTa
    template_.prefix = {{*bos, "<s>"}};
    template_.separator = {{*eos, "</s>"}, {*eos, "</s>"}};
    template_.suffix = {{*eos, "</s>"}};
    pad_ = {*pad, "<pad>"};
  } else if (eot) {  // GPT-2 pads with its end-of-text token when asked to pad
    pad_ = {*eot, "<|endoftext|>"};
  } else {
    throw FileError(label_, "has neither GPT-2's <|endoftext|> nor RoBERTa's <s> </s> <pad>: not a byte-level BPE "
                            "vocabulary this studio knows");
  }
}

bool ByteLevelBpeTokenizer::is_special(int64_t id) const { return specials_.count(id) > 0; }

std::vector<Token> ByteLevelBpeTokenizer::tokenize(std::string_view text) const {
  std::vector<Token> out;
  for (const std::u32string& piece : gpt2_pre_tokenize(decode_utf8(text))) {
    for (std::string& symbol : merges_.apply(byte_symbols(encode_utf8(piece)))) {
      auto it = ids_.find(symbol);
      if (it == ids_.end()) throw FileError(label_, "has no token for the BPE symbol '" + symbol + "'");
      out.push_back({it->second, std::move(symbol)});
    }
  }
  return out;
}

std::string ByteLevelBpeTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::string bytes;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) throw Error("token id " + std::to_string(id) + " is outside the vocabulary");
    if (is_special(id)) {
      if (!skip_special_tokens) bytes += tokens_[static_cast<size_t>(id)];
      continue;
    }
    for (char32_t c : decode_utf8(tokens_[static_cast<size_t>(id)])) {
      int b = byte_from_unicode(c);
      if (b >= 0) bytes.push_back(static_cast<char>(b));
    }
  }
  return encode_utf8(decode_utf8(bytes));  // a cut in the middle of a character becomes U+FFFD
}

}  // namespace lorastudio::text
