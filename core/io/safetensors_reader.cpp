#include "core/io/safetensors_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/error.h"

// safetensors is little-endian and tensors are handed out as views of the file's bytes.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the safetensors reader assumes a little-endian host");

namespace lorastudio {

struct SafetensorsReader::Mapping {
  void* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data && data != MAP_FAILED) ::munmap(data, size);
  }
};

torch::ScalarType to_torch_dtype(StDtype dtype) {
  switch (dtype) {
    case StDtype::F64: return torch::kDouble;
    case StDtype::F32: return torch::kFloat;
    case StDtype::F16: return torch::kHalf;
    case StDtype::BF16: return torch::kBFloat16;
    case StDtype::I64: return torch::kLong;
    case StDtype::I32: return torch::kInt;
    case StDtype::I16: return torch::kShort;
    case StDtype::I8: return torch::kChar;
    case StDtype::U8: return torch::kByte;
    case StDtype::BOOL: return torch::kBool;
  }
  return torch::kFloat;
}

StDtype from_torch_dtype(torch::ScalarType dtype, const std::string& label) {
  switch (dtype) {
    case torch::kDouble: return StDtype::F64;
    case torch::kFloat: return StDtype::F32;
    case torch::kHalf: return StDtype::F16;
    case torch::kBFloat16: return StDtype::BF16;
    case torch::kLong: return StDtype::I64;
    case torch::kInt: return StDtype::I32;
    case torch::kShort: return StDtype::I16;
    case torch::kChar: return StDtype::I8;
    case torch::kByte: return StDtype::U8;
    case torch::kBool: return StDtype::BOOL;
    default: break;
  }
  throw FileError(label, std::string("dtype ") + c10::toString(dtype) + " cannot be stored in safetensors");
}

SafetensorsReader::SafetensorsReader(const std::string& path) : path_(path), mapping_(std::make_shared<Mapping>()) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below as not a regular file).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    throw FileError(path, std::string("cannot stat: ") + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FileError(path, S_ISDIR(st.st_mode) ? "is a directory, not a safetensors file"
                                              : "is not a regular file (a safetensors file was expected)");
  }
  if (static_cast<uint64_t>(st.st_size) > std::numeric_limits<size_t>::max()) {
    ::close(fd);
    throw FileError(path, "is too large to map into memory");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size > 0) {
    // Private mapping: pages are shared with the page cache; a stray write copies, never reaches the file.
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      throw FileError(path, std::string("cannot map into memory: ") + std::strerror(e));
    }
    mapping_->data = p;
    mapping_->size = size;
  }
  ::close(fd);  // the mapping stays valid without the descriptor
  header_ = parse_safetensors_header(static_cast<const uint8_t*>(mapping_->data), size, path);
  for (size_t i = 0; i < header_.tensors.size(); ++i) index_[header_.tensors[i].name] = i;
}

std::vector<std::string> SafetensorsReader::names() const {
  std::vector<std::string> out;
  out.reserve(header_.tensors.size());
  for (const auto& t : header_.tensors) out.push_back(t.name);
  return out;
}

const StTensorInfo& SafetensorsReader::info(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw FileError(path_, "has no tensor named \"" + name + "\"");
  return header_.tensors[it->second];
}

torch::Tensor SafetensorsReader::tensor(const std::string& name) const {
  const StTensorInfo& t = info(name);
  const auto dtype = to_torch_dtype(t.dtype);
  auto options = torch::TensorOptions().dtype(dtype).device(torch::kCPU);
  if (t.numel() == 0) return torch::empty(t.shape, options);
  uint8_t* base = static_cast<uint8_t*>(mapping_->data) + header_.data_start + t.begin;
  if (t.dtype == StDtype::BOOL) {
    // A torch bool must be 0 or 1; any other byte would be undefined behaviour in kernels.
    // Such bytes are read as true (nonzero), in a copy.
    if (std::any_of(base, base + t.nbytes(), [](uint8_t b) { return b > 1; })) {
      auto bytes = torch::from_blob(base, t.shape, torch::TensorOptions().dtype(torch::kByte));
      return bytes.ne(0);
    }
  }
  const uint64_t elem = st_dtype_size(t.dtype);
  if (reinterpret_cast<uintptr_t>(base) % elem != 0) {
    // The mapping is page-aligned, so this means a misaligned data offset in the file: copy.
    auto out = torch::empty(t.shape, options);
    std::memcpy(out.data_ptr(), base, t.nbytes());
    return out;
  }
  auto keep = mapping_;
  return torch::from_blob(base, t.shape, [keep](void*) {}, options);
}

}  // namespace lorastudio
