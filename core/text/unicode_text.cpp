#include "core/text/unicode_text.h"

#include <cstdlib>

#include <utf8proc.h>

namespace lorastudio::text {

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t i = 0, n = static_cast<utf8proc_ssize_t>(text.size());
  while (i < n) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t used = utf8proc_iterate(bytes + i, n - i, &cp);
    if (used <= 0) {
      out.push_back(U'\uFFFD');
      ++i;
    } else {
      out.push_back(static_cast<char32_t>(cp));
      i += used;
    }
  }
  return out;
}

void append_utf8(std::string& out, char32_t code_point) {
  utf8proc_uint8_t buffer[4];
  utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(code_point), buffer);
  if (n <= 0) n = utf8proc_encode_char(0xFFFD, buffer);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t c : code_points) append_utf8(out, c);
  return out;
}

namespace {
utf8proc_category_t category(char32_t c) { return utf8proc_category(static_cast<utf8proc_int32_t>(c)); }
}  // namespace

bool is_letter(char32_t c) {
  auto k = category(c);
  return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO;
}

bool is_number(char32_t c) {
  auto k = category(c);
  return k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO;
}

bool is_regex_space(char32_t c) {
  // White_Space = the separators Zs/Zl/Zp (less the no-break spaces' absence: they are Zs) plus these controls.
  if ((c >= 0x09 && c <= 0x0D) || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x1F || c == 0x85) return true;
  auto k = category(c);
  return k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_ZL || k == UTF8PROC_CATEGORY_ZP;
}

bool is_punctuation_category(char32_t c) {
  auto k = category(c);
  return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

bool is_other_category(char32_t c) {
  auto k = category(c);
  return k == UTF8PROC_CATEGORY_CN || k >= UTF8PROC_CATEGORY_CC;
}

bool is_space_separator(char32_t c) { return category(c) == UTF8PROC_CATEGORY_ZS; }
bool is_nonspacing_mark(char32_t c) { return category(c) == UTF8PROC_CATEGORY_MN; }

char32_t to_lower(char32_t c) { return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))); }

std::u32string to_lower(std::u32string_view text) {
  std::u32string out(text);
  for (char32_t& c : out) c = to_lower(c);
  return out;
}

std::u32string canonical_decomposition(std::u32string_view text) {
  std::string utf8 = encode_utf8(text);
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                                    static_cast<utf8proc_ssize_t>(utf8.size()), &mapped,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE));
  if (n < 0) return std::u32string(text);  // cannot happen on encode_utf8's output
  std::u32string out = decode_utf8(std::string_view(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n)));
  std::free(mapped);
  return out;
}

}  // namespace lorastudio::text
