// lorastudio_sentencepiece: see sentencepiece_module.h for why this is a separate shared module.
#include "core/text/sentencepiece_module.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

struct lssp_model {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {
int copy_out(const std::string& s, char* out, int capacity) {
  if (out && capacity > 0) std::memcpy(out, s.data(), std::min(s.size(), static_cast<size_t>(capacity)));
  return static_cast<int>(s.size());
}
}  // namespace

extern "C" {

__attribute__((visibility("default"))) lssp_model* lssp_load(const char* path, char* error, size_t error_size) {
  auto* model = new lssp_model;
  auto status = model->processor.Load(path);
  if (status.ok()) return model;
  if (error && error_size > 0) {
    std::string message = status.ToString();
    std::strncpy(error, message.c_str(), error_size - 1);
    error[error_size - 1] = '\0';
  }
  delete model;
  return nullptr;
}

__attribute__((visibility("default"))) void lssp_free(lssp_model* model) { delete model; }
__attribute__((visibility("default"))) int lssp_piece_size(const lssp_model* m) { return m->processor.GetPieceSize(); }
__attribute__((visibility("default"))) int lssp_eos_id(const lssp_model* m) { return m->processor.eos_id(); }
__attribute__((visibility("default"))) int lssp_pad_id(const lssp_model* m) { return m->processor.pad_id(); }
__attribute__((visibility("default"))) int lssp_is_control(const lssp_model* m, int id) {
  return m->processor.IsControl(id) ? 1 : 0;
}

__attribute__((visibility("default"))) int lssp_encode(const lssp_model* m, const char* text, size_t length, int* ids,
                                                       int capacity) {
  std::vector<int> out;
  if (!m->processor.Encode(std::string(text, length), &out).ok()) return -1;
  if (ids && capacity > 0) std::copy_n(out.begin(), std::min(out.size(), static_cast<size_t>(capacity)), ids);
  return static_cast<int>(out.size());
}

__attribute__((visibility("default"))) int lssp_encode_pieces(const lssp_model* m, const char* text, size_t length,
                                                              char* out, int capacity) {
  std::vector<std::string> pieces;
  if (!m->processor.Encode(std::string(text, length), &pieces).ok()) return -1;
  std::string joined;
  for (const std::string& p : pieces) joined.append(p).push_back('\0');
  return copy_out(joined, out, capacity);
}

__attribute__((visibility("default"))) int lssp_id_to_piece(const lssp_model* m, int id, char* out, int capacity) {
  if (id < 0 || id >= m->processor.GetPieceSize()) return -1;
  return copy_out(m->processor.IdToPiece(id), out, capacity);
}

__attribute__((visibility("default"))) int lssp_decode(const lssp_model* m, const int* ids, int count, char* out,
                                                       int capacity) {
  std::string text;
  if (!m->processor.Decode(std::vector<int>(ids, ids + count), &text).ok()) return -1;
  return copy_out(text, out, capacity);
}

}  // extern "C"
