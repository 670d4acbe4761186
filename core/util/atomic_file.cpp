#include "core/util/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/error.h"

namespace lorastudio {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  std::vector<char> templ(path_.begin(), path_.end());
  const char suffix[] = ".tmp-XXXXXX";
  templ.insert(templ.end(), suffix, suffix + sizeof(suffix));  // includes the terminating NUL
  int fd = mkstemp(templ.data());
  if (fd < 0) throw FileError(path_, std::string("cannot create a temporary file beside it: ") + std::strerror(errno));
  temp_path_ = templ.data();
  file_ = fdopen(fd, "wb");
  if (!file_) {
    ::close(fd);
    ::unlink(temp_path_.c_str());
    throw FileError(path_, "cannot open the temporary file for writing");
  }
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicFile::write(const void* data, size_t size) {
  if (committed_) throw FileError(path_, "write after commit");
  if (size > 0 && std::fwrite(data, 1, size, file_) != size)
    throw FileError(path_, std::string("write failed: ") + std::strerror(errno));
}

void AtomicFile::commit() {
  if (committed_) return;
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0)
    throw FileError(path_, std::string("flush failed: ") + std::strerror(errno));
  // mkstemp creates 0600; give the file the usual permissions of a user's document.
  ::fchmod(fileno(file_), 0644);
  std::FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) throw FileError(path_, std::string("close failed: ") + std::strerror(errno));
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw FileError(path_, std::string("cannot rename the temporary file into place: ") + std::strerror(errno));
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicFile f(path);
  f.write(content.data(), content.size());
  f.commit();
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw FileError(path, "read failed");
  return ss.str();
}

}  // namespace lorastudio
