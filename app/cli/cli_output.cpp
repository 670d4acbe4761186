#include "app/cli/cli_output.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/util/atomic_file.h"

namespace lorastudio::cli {

std::string format_count(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count && count % 3 == 0) out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++count;
  }
  return n < 0 ? "-" + out : out;
}

std::string format_double(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
  return buf;
}

std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

int write_evaluation_report(const std::string& dir, const nlohmann::json& json, const std::string& markdown,
                            bool cancelled, const std::string& items) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  write_file_atomically((fs::path(dir) / "evaluation.json").string(), json.dump(2) + "\n");
  write_file_atomically((fs::path(dir) / "evaluation.md").string(), markdown);
  std::cout << markdown << "\nwrote " << dir << "/evaluation.json and evaluation.md\n";
  if (!cancelled) return 0;
  std::cerr << "cancelled: the files hold the " << items << " finished so far\n";
  return 130;
}

}  // namespace lorastudio::cli
