#include "core/util/file_tree.h"

#include <cerrno>
#include <cstdio>

#include <ftw.h>

namespace lorastudio {
namespace {
int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return std::remove(path); }
}  // namespace

bool remove_tree(const std::string& path) {
  const int r = ::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return r == 0 || (r != 0 && errno == ENOENT);
}

}  // namespace lorastudio
