#include "core/util/file_tree.h"

#include <cerrno>
#include <cstdio>

#include <ftw.h>

namespace lorastudio {
namespace {
int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return std::remove(path); }
thread_local int64_t tree_total = 0;
int add_size(const char*, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_F) tree_total += static_cast<int64_t>(st->st_size);
  return 0;
}
}  // namespace

bool remove_tree(const std::string& path) {
  const int r = ::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return r == 0 || (r != 0 && errno == ENOENT);
}

int64_t tree_bytes(const std::string& path) {
  tree_total = 0;
  ::nftw(path.c_str(), add_size, 16, FTW_PHYS);
  return tree_total;
}

}  // namespace lorastudio
