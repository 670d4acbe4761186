#pragma once
// Unicode for the tokenizers: UTF-8 to code points and back, character classes, lower-casing and canonical
// decomposition, all from utf8proc's tables (Debian's libutf8proc), never from hand-written ranges.
#include <string>
#include <string_view>

namespace lorastudio::text {

// Invalid UTF-8 (a stray byte, an overlong form, a surrogate) becomes U+FFFD, one per bad byte, as Python's
// `decode(errors="replace")` and Qt do: text typed or read from a file is never refused for its encoding.
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(std::u32string_view code_points);
void append_utf8(std::string& out, char32_t code_point);

bool is_letter(char32_t c);             // L*: \p{L}
bool is_number(char32_t c);             // N*: \p{N}
bool is_regex_space(char32_t c);        // \s of Python's re / Rust's regex on Unicode text (White_Space)
bool is_punctuation_category(char32_t c);  // P*
bool is_other_category(char32_t c);     // C*: control, format, unassigned, private use, surrogate
bool is_space_separator(char32_t c);    // Zs
bool is_nonspacing_mark(char32_t c);    // Mn

char32_t to_lower(char32_t c);          // simple lower-case mapping
std::u32string to_lower(std::u32string_view text);
std::u32string canonical_decomposition(std::u32string_view text);  // NFD

}  // namespace lorastudio::text
