#pragma once
// Removing a directory tree. (std::filesystem::remove_all is avoided on purpose: PyTorch's libtorch.so
// exports its own, ABI-incompatible copy that wins symbol resolution and crashes; seen with 2.11.)
#include <string>

namespace lorastudio {

// Removes `path` and everything under it (symbolic links are removed, not followed). Returns false
// if something could not be removed; a missing path is not an error.
bool remove_tree(const std::string& path);

}  // namespace lorastudio
