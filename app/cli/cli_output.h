#pragma once
// Small helpers for the CLI's human-readable output.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace lorastudio::cli {

std::string format_count(int64_t n);             // 516096 -> "516,096"
std::string format_double(double v, int digits = 4);
std::string pad_right(const std::string& s, size_t width);

// An evaluation's report: DIR/evaluation.json and DIR/evaluation.md written atomically, the Markdown printed, and
// when `cancelled` a line saying the files hold the `items` finished so far. Returns the exit status (0 or 130).
int write_evaluation_report(const std::string& dir, const nlohmann::json& json, const std::string& markdown,
                            bool cancelled, const std::string& items);

}  // namespace lorastudio::cli
