#include "core/text/html_entities.h"

#include <cctype>
#include <map>

#include "core/text/unicode_text.h"

namespace lorastudio::text {

namespace {

const std::map<std::string, char32_t>& named_entities() {
  static const std::map<std::string, char32_t> names = {
      {"amp", U'&'},      {"lt", U'<'},       {"gt", U'>'},       {"quot", U'"'},     {"apos", U'\''},
      {"nbsp", 0xA0},     {"copy", 0xA9},     {"reg", 0xAE},      {"trade", 0x2122},  {"hellip", 0x2026},
      {"mdash", 0x2014},  {"ndash", 0x2013},  {"lsquo", 0x2018},  {"rsquo", 0x2019},  {"ldquo", 0x201C},
      {"rdquo", 0x201D},  {"laquo", 0xAB},    {"raquo", 0xBB},    {"deg", 0xB0},      {"middot", 0xB7},
      {"times", 0xD7},    {"divide", 0xF7},   {"euro", 0x20AC},   {"pound", 0xA3},    {"cent", 0xA2},
      {"yen", 0xA5},      {"sect", 0xA7},     {"para", 0xB6},     {"bull", 0x2022},   {"shy", 0xAD}};
  return names;
}

// HTML5: numbers outside Unicode, surrogates and NUL become U+FFFD.
char32_t numeric_code_point(unsigned long long value) {
  if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0xFFFD;
  return static_cast<char32_t>(value);
}

// The reference at `text[i]` ('&'): its length and code point, or 0 when it is not one.
size_t reference_at(const std::string& text, size_t i, char32_t& out) {
  size_t j = i + 1;
  if (j < text.size() && text[j] == '#') {
    bool hex = j + 1 < text.size() && (text[j + 1] == 'x' || text[j + 1] == 'X');
    size_t k = j + (hex ? 2 : 1), start = k;
    unsigned long long value = 0;
    while (k < text.size() && (hex ? std::isxdigit(static_cast<unsigned char>(text[k]))
                                   : std::isdigit(static_cast<unsigned char>(text[k])))) {
      if (value <= 0x10FFFF) value = value * (hex ? 16 : 10) + std::stoul(std::string(1, text[k]), nullptr, 16);
      ++k;
    }
    if (k == start) return 0;
    if (k < text.size() && text[k] == ';') ++k;
    out = numeric_code_point(value);
    return k - i;
  }
  size_t k = j;
  while (k < text.size() && std::isalnum(static_cast<unsigned char>(text[k]))) ++k;
  if (k == j || k >= text.size() || text[k] != ';') return 0;
  auto it = named_entities().find(text.substr(j, k - j));
  if (it == named_entities().end()) return 0;
  out = it->second;
  return k + 1 - i;
}

}  // namespace

std::string html_unescape(const std::string& text) {
  if (text.find('&') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t c = 0;
    size_t n = text[i] == '&' ? reference_at(text, i, c) : 0;
    if (n == 0) {
      out.push_back(text[i++]);
      continue;
    }
    append_utf8(out, c);
    i += n;
  }
  return out;
}

}  // namespace lorastudio::text
