#pragma once
// Errors raised by core/. Every problem with a file names the file and the fault.
#include <stdexcept>
#include <string>

namespace lorastudio {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A problem with one file (or directory): "PATH: PROBLEM".
class FileError : public Error {
 public:
  FileError(std::string path, std::string problem);
  const std::string& path() const { return path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string path_;
  std::string problem_;
};

}  // namespace lorastudio
