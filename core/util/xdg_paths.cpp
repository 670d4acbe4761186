#include "core/util/xdg_paths.h"

#include <cstdlib>

namespace lorastudio {
namespace {

std::string xdg_dir(const char* var, const char* fallback_under_home) {
  const char* v = std::getenv(var);
  std::string base;
  if (v && *v == '/') {
    base = v;  // the spec says relative paths are invalid and must be ignored
  } else {
    const char* home = std::getenv("HOME");
    base = std::string(home && *home ? home : "/tmp") + "/" + fallback_under_home;
  }
  return base + "/lora-studio";
}

}  // namespace

std::string user_data_dir() { return xdg_dir("XDG_DATA_HOME", ".local/share"); }
std::string user_cache_dir() { return xdg_dir("XDG_CACHE_HOME", ".cache"); }
std::string user_config_dir() { return xdg_dir("XDG_CONFIG_HOME", ".config"); }

}  // namespace lorastudio
