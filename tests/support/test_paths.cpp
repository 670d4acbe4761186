#include "tests/support/test_paths.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <sys/stat.h>
#include <sys/wait.h>

namespace lorastudio::test {
namespace {
std::string env_or(const char* var, const char* fallback) {
  const char* v = std::getenv(var);
  std::string s = (v && *v) ? v : fallback;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}
}  // namespace

std::string golden_dir() { return env_or("LORASTUDIO_GOLDEN", LORASTUDIO_GOLDEN_DEFAULT); }
std::string data_dir() { return env_or("LORASTUDIO_DATA", LORASTUDIO_DATA_DEFAULT); }
std::string golden_path(const std::string& relative) { return golden_dir() + "/" + relative; }
std::string data_path(const std::string& relative) { return data_dir() + "/" + relative; }
std::string project_path(const std::string& relative) { return std::string(LORASTUDIO_SOURCE_DIR) + "/" + relative; }

std::string cli_path() { return LORASTUDIO_CLI_PATH; }

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

int run_command(const std::string& command, std::string* output) {
  std::string cmd = command + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buf{};
  std::string out;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = ::pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace lorastudio::test
