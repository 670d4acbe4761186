#include "core/text/bpe_merges.h"

#include <limits>

#include "core/text/unicode_text.h"

namespace lorastudio::text {

namespace {
std::string pair_key(const std::string& left, const std::string& right) {
  std::string key;
  key.reserve(left.size() + right.size() + 1);
  key += left;
  key += '\n';  // never inside a symbol: byte-level symbols spell a newline as "Ċ"
  key += right;
  return key;
}
}  // namespace

bool BpeMerges::add(const std::string& left, const std::string& right) {
  return ranks_.emplace(pair_key(left, right), static_cast<int64_t>(ranks_.size())).second;
}

int64_t BpeMerges::rank(const std::string& left, const std::string& right) const {
  auto it = ranks_.find(pair_key(left, right));
  return it == ranks_.end() ? -1 : it->second;
}

std::vector<std::string> BpeMerges::apply(std::vector<std::string> symbols) const {
  while (symbols.size() > 1) {
    int64_t best = std::numeric_limits<int64_t>::max();
    size_t best_at = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      int64_t r = rank(symbols[i], symbols[i + 1]);
      if (r >= 0 && r < best) {
        best = r;
        best_at = i;
      }
    }
    if (best == std::numeric_limits<int64_t>::max()) break;
    const std::string left = symbols[best_at], right = symbols[best_at + 1];
    std::vector<std::string> merged;
    merged.reserve(symbols.size());
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
        merged.push_back(left + right);
        ++i;
      } else {
        merged.push_back(symbols[i]);
      }
    }
    symbols.swap(merged);
  }
  return symbols;
}

const std::array<char32_t, 256>& byte_to_unicode() {
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      t[static_cast<size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
    }
    return t;
  }();
  return table;
}

int byte_from_unicode(char32_t c) {
  static const std::unordered_map<char32_t, int> inverse = [] {
    std::unordered_map<char32_t, int> m;
    for (int b = 0; b < 256; ++b) m[byte_to_unicode()[static_cast<size_t>(b)]] = b;
    return m;
  }();
  auto it = inverse.find(c);
  return it == inverse.end() ? -1 : it->second;
}

std::vector<std::string> byte_symbols(const std::string& utf8) {
  std::vector<std::string> out;
  out.reserve(utf8.size());
  for (unsigned char b : utf8) {
    std::string s;
    append_utf8(s, byte_to_unicode()[b]);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace lorastudio::text
