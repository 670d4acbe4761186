#pragma once
// Removing a directory tree. (std::filesystem::remove_all is avoided on purpose: PyTorch's libtorch.so
// exports its own, ABI-incompatible copy that wins symbol resolution and crashes; seen with 2.11.)
#include <cstdint>
#include <string>

namespace lorastudio {

// Removes `path` and everything under it (symbolic links are removed, not followed). Returns false
// if something could not be removed; a missing path is not an error.
bool remove_tree(const std::string& path);
// The total size in bytes of the regular files under `path` (links not followed; 0 for a missing path).
int64_t tree_bytes(const std::string& path);

}  // namespace lorastudio
