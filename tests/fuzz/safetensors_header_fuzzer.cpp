// libFuzzer harness for the safetensors header parser (core/io/safetensors_header.cpp).
// Every input must either parse or throw lorastudio::Error (FileError); any other exception,
// a crash, a sanitizer report, a leak or a timeout is a finding.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/io/safetensors_header.h"
#include "core/util/error.h"

namespace {
void check(const uint8_t* data, size_t size) {
  // A private copy of exactly `size` bytes, so ASan sees any read past the end.
  std::vector<uint8_t> bytes(data, data + size);
  try {
    lorastudio::StHeader h = lorastudio::parse_safetensors_header(bytes.data(), bytes.size(), "<fuzz>");
    // The invariants that the reader relies on.
    for (const auto& t : h.tensors) {
      if (t.end < t.begin || t.end > h.data_size) __builtin_trap();
      if (t.numel() * lorastudio::st_dtype_size(t.dtype) != t.nbytes()) __builtin_trap();
      if (h.data_start + t.end > size) __builtin_trap();
    }
    if (h.data_start + h.data_size != size) __builtin_trap();
  } catch (const lorastudio::Error& e) {
    // Expected for malformed input; the message must name the label.
    if (std::strncmp(e.what(), "<fuzz>: ", 8) != 0) __builtin_trap();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // 1. The input as a whole file (length prefix included).
  check(data, size);
  // 2. The input as the header JSON alone, behind a matching length prefix and followed by a
  //    small data section, so mutations of the JSON are not all lost to a wrong prefix.
  std::vector<uint8_t> file(8 + size + 64, 0);
  for (int i = 0; i < 8; ++i) file[i] = static_cast<uint8_t>((static_cast<uint64_t>(size) >> (8 * i)) & 0xff);
  if (size) std::memcpy(file.data() + 8, data, size);
  check(file.data(), file.size());
  return 0;
}
