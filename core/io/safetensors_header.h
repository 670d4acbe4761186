#pragma once
// Parsing and validation of a safetensors header (no LibTorch here, so the fuzzer links only this).
// Layout: u64 little-endian header length N, N bytes of JSON, then the data section.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lorastudio {

enum class StDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

std::optional<StDtype> parse_st_dtype(std::string_view name);
const char* st_dtype_name(StDtype dtype);
uint64_t st_dtype_size(StDtype dtype);

struct StTensorInfo {
  std::string name;
  StDtype dtype = StDtype::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // offsets relative to the start of the data section
  uint64_t end = 0;
  uint64_t numel() const;
  uint64_t nbytes() const { return end - begin; }
};

struct StHeader {
  std::vector<StTensorInfo> tensors;            // in header (JSON key) order; names are unique
  std::map<std::string, std::string> metadata;  // "__metadata__"
  uint64_t data_start = 0;                      // absolute file offset of the data section (8 + N)
  uint64_t data_size = 0;                       // bytes in the data section
};

// Largest header accepted (the reference implementation's limit).
inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

// Checks the 8-byte length prefix of a file of `file_size` bytes (at least 8 must be readable at
// `file_data` when file_size >= 8) and returns the header length N: 2 <= N <= kMaxSafetensorsHeader
// and 8 + N <= file_size. Throws FileError(label, fault) otherwise (empty file, too short, absurd
// length, length beyond the end of the file).
uint64_t read_safetensors_header_length(const uint8_t* file_data, uint64_t file_size, const std::string& label);

// Validates everything: sizes, JSON, dtypes, shapes, byte ranges (in bounds, not inverted, not
// overlapping, dtype×shape equal to the range), metadata types, duplicate names. Whitespace after
// the JSON object (the reference writer's padding) is accepted; anything else is not. Unknown
// fields in a tensor entry are ignored (as by the reference implementation). The JSON is parsed
// as a stream, so memory stays proportional to the names and shapes kept.
// Throws FileError(label, fault); never anything else except std::bad_alloc.
StHeader parse_safetensors_header(const uint8_t* file_data, uint64_t file_size, const std::string& label);

}  // namespace lorastudio
