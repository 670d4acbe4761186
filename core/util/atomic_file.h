#pragma once
// Writes a file under a temporary name beside its target and renames it into place,
// so a crash or an error never leaves a half-written file where a good one was.
#include <cstdio>
#include <functional>
#include <string>

namespace lorastudio {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // opens PATH.tmp-XXXXXX for writing; throws FileError
  ~AtomicFile();                           // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t size);  // throws FileError on a short write
  void commit();                              // flush, fsync, rename onto the target
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

// Convenience: the whole content at once.
void write_file_atomically(const std::string& path, const std::string& content);

// Reads a whole (small) text file; throws FileError naming the file if it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace lorastudio
