#pragma once
// Small helpers for the CLI's human-readable output.
#include <cstdint>
#include <string>

namespace lorastudio::cli {

std::string format_count(int64_t n);             // 516096 -> "516,096"
std::string format_double(double v, int digits = 4);
std::string pad_right(const std::string& s, size_t width);

}  // namespace lorastudio::cli
