#pragma once
// Byte-pair encoding as GPT-2's and CLIP's reference code apply it: the ranked merge list, and the loop that
// joins the adjacent pair of lowest rank (every occurrence, left to right) until no ranked pair remains.
// Also the byte-to-unicode table both use so that every byte has a printable stand-in ("Ġ" for a space).
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace lorastudio::text {

class BpeMerges {
 public:
  // The merge "left right" gets the next rank. Returns false when the pair is already listed.
  bool add(const std::string& left, const std::string& right);
  size_t size() const { return ranks_.size(); }
  // `symbols` (one word, already split into its initial symbols) after every merge that applies.
  std::vector<std::string> apply(std::vector<std::string> symbols) const;

 private:
  int64_t rank(const std::string& left, const std::string& right) const;  // -1: not a merge
  std::unordered_map<std::string, int64_t> ranks_;
};

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the others map to U+0100 upwards.
const std::array<char32_t, 256>& byte_to_unicode();
// The inverse (code point → byte); -1 where a code point stands for no byte.
int byte_from_unicode(char32_t c);
// Each byte of `utf8` as its stand-in character, UTF-8 encoded, one string per byte.
std::vector<std::string> byte_symbols(const std::string& utf8);

}  // namespace lorastudio::text
