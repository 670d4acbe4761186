#include "core/text/sentencepiece_tokenizer.h"

#include <dlfcn.h>

#include <algorithm>
#include <mutex>

#include "core/text/sentencepiece_module.h"
#include "core/util/error.h"

namespace lorastudio::text {

namespace {

// The module's functions, resolved once.
struct ModuleApi {
  decltype(&lssp_load) load = nullptr;
  decltype(&lssp_free) free = nullptr;
  decltype(&lssp_piece_size) piece_size = nullptr;
  decltype(&lssp_eos_id) eos_id = nullptr;
  decltype(&lssp_pad_id) pad_id = nullptr;
  decltype(&lssp_is_control) is_control = nullptr;
  decltype(&lssp_encode) encode = nullptr;
  decltype(&lssp_encode_pieces) encode_pieces = nullptr;
  decltype(&lssp_id_to_piece) id_to_piece = nullptr;
  decltype(&lssp_decode) decode = nullptr;
  std::string error;
};

std::vector<std::string> module_candidates() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("LORASTUDIO_SENTENCEPIECE_MODULE")) paths.push_back(env);
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    paths.push_back((exe.parent_path() / "liblorastudio_sentencepiece.so").string());
    paths.push_back((exe.parent_path().parent_path() / "lib" / "liblorastudio_sentencepiece.so").string());
  }
#ifdef LORASTUDIO_SENTENCEPIECE_MODULE_PATH
  paths.push_back(LORASTUDIO_SENTENCEPIECE_MODULE_PATH);
#endif
  return paths;
}

template <typename Fn>
void resolve(void* handle, const char* name, Fn& fn, std::string& error) {
  fn = reinterpret_cast<Fn>(dlsym(handle, name));
  if (!fn) error = std::string("the module lacks ") + name;
}

const ModuleApi& module_api() {
  static ModuleApi api;
  static std::once_flag once;
  std::call_once(once, [] {
    void* handle = nullptr;
    std::string tried;
    for (const std::string& path : module_candidates()) {
      handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (handle) break;
      tried += "\n  " + path + ": " + dlerror();
    }
    if (!handle) {
      api.error = "the SentencePiece module (liblorastudio_sentencepiece.so) could not be opened:" + tried;
      return;
    }
    resolve(handle, "lssp_load", api.load, api.error);
    resolve(handle, "lssp_free", api.free, api.error);
    resolve(handle, "lssp_piece_size", api.piece_size, api.error);
    resolve(handle, "lssp_eos_id", api.eos_id, api.error);
    resolve(handle, "lssp_pad_id", api.pad_id, api.error);
    resolve(handle, "lssp_is_control", api.is_control, api.error);
    resolve(handle, "lssp_encode", api.encode, api.error);
    resolve(handle, "lssp_encode_pieces", api.encode_pieces, api.error);
    resolve(handle, "lssp_id_to_piece", api.id_to_piece, api.error);
    resolve(handle, "lssp_decode", api.decode, api.error);
  });
  return api;
}

// Calls `fill(buffer, capacity)` that returns the full length, growing the buffer once when it was short.
template <typename T, typename Fill>
std::vector<T> read_sized(Fill fill, const char* what) {
  std::vector<T> out(256);
  int n = fill(out.data(), static_cast<int>(out.size()));
  if (n > static_cast<int>(out.size())) {
    out.resize(static_cast<size_t>(n));
    n = fill(out.data(), n);
  }
  if (n < 0) throw Error(std::string("SentencePiece could not ") + what);
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::filesystem::path& model_file) {
  if (!std::filesystem::is_regular_file(model_file)) {
    throw FileError(model_file.string(), "does not exist or is not a file");
  }
  const ModuleApi& api = module_api();
  if (!api.error.empty()) throw FileError(model_file.string(), "cannot be read: " + api.error);
  char error[512] = {0};
  model_ = api.load(model_file.c_str(), error, sizeof error);
  if (!model_) throw FileError(model_file.string(), std::string("is not a SentencePiece model (") + error + ")");
  int eos = api.eos_id(model_), pad = api.pad_id(model_);
  if (eos < 0) {
    api.free(model_);
    throw FileError(model_file.string(), "has no end-of-sequence piece (T5 needs </s>)");
  }
  template_.suffix = {{eos, piece(eos)}};
  pad_ = pad >= 0 ? Token{pad, piece(pad)} : template_.suffix.front();
}

SentencePieceTokenizer::~SentencePieceTokenizer() { module_api().free(model_); }

std::string SentencePieceTokenizer::piece(int64_t id) const {
  auto bytes = read_sized<char>(
      [&](char* out, int capacity) { return module_api().id_to_piece(model_, static_cast<int>(id), out, capacity); },
      "name a piece");
  return std::string(bytes.begin(), bytes.end());
}

int64_t SentencePieceTokenizer::vocab_size() const { return module_api().piece_size(model_); }

bool SentencePieceTokenizer::is_special(int64_t id) const {
  if (id < 0 || id >= vocab_size()) return false;
  return module_api().is_control(model_, static_cast<int>(id)) != 0;
}

std::vector<Token> SentencePieceTokenizer::tokenize(std::string_view text) const {
  auto ids = read_sized<int>(
      [&](int* out, int capacity) { return module_api().encode(model_, text.data(), text.size(), out, capacity); },
      "encode the text");
  auto joined = read_sized<char>(
      [&](char* out, int capacity) {
        return module_api().encode_pieces(model_, text.data(), text.size(), out, capacity);
      },
      "encode the text");
  std::vector<Token> out;
  out.reserve(ids.size());
  size_t start = 0;
  for (int id : ids) {  // the pieces' text (an unknown piece keeps its own), else the vocabulary's spelling
    size_t end = std::find(joined.begin() + static_cast<std::ptrdiff_t>(start), joined.end(), '\0') - joined.begin();
    out.push_back({id, end < joined.size() ? std::string(joined.data() + start, end - start) : piece(id)});
    start = std::min(end + 1, joined.size());
  }
  return out;
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::vector<int> kept;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) throw Error("token id " + std::to_string(id) + " is outside the vocabulary");
    if (skip_special_tokens && is_special(id)) continue;
    kept.push_back(static_cast<int>(id));
  }
  auto bytes = read_sized<char>(
      [&](char* out, int capacity) {
        return module_api().decode(model_, kept.data(), static_cast<int>(kept.size()), out, capacity);
      },
      "decode the ids");
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace lorastudio::text
