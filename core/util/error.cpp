#include "core/util/error.h"

namespace lorastudio {

FileError::FileError(std::string path, std::string problem)
    : Error(path + ": " + problem), path_(std::move(path)), problem_(std::move(problem)) {}

}  // namespace lorastudio
