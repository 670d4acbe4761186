#pragma once
// The C interface of lorastudio_sentencepiece, a small shared module that wraps libsentencepiece.
//
// Why a module: Debian's libsentencepiece carries its own protobuf 3.14 and exports its symbols, while Debian's
// LibTorch loads the system protobuf 3.21. Linked into the same program, one library's calls land in the other's
// copy and the program crashes before main(). The module is opened with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) the
// first time a SentencePiece model is loaded, so libsentencepiece binds to its own protobuf and nothing else does.
#include <cstddef>

extern "C" {

typedef struct lssp_model lssp_model;

// nullptr on failure, with the library's message in `error` (at most `error_size` bytes, NUL-terminated).
lssp_model* lssp_load(const char* path, char* error, size_t error_size);
void lssp_free(lssp_model* model);
int lssp_piece_size(const lssp_model* model);
int lssp_eos_id(const lssp_model* model);
int lssp_pad_id(const lssp_model* model);
int lssp_is_control(const lssp_model* model, int id);
// The ids of `text`: returns their count (all of them), writing at most `capacity`; -1 on failure.
int lssp_encode(const lssp_model* model, const char* text, size_t length, int* ids, int capacity);
// The pieces of `text` as the library spells them (an unknown piece keeps its own text), each followed by a NUL:
// returns the full length in bytes, writing at most `capacity`; -1 on failure.
int lssp_encode_pieces(const lssp_model* model, const char* text, size_t length, char* out, int capacity);
// A piece's or a decoded text's bytes: returns the full length, writing at most `capacity` (no NUL); -1 on failure.
int lssp_id_to_piece(const lssp_model* model, int id, char* out, int capacity);
int lssp_decode(const lssp_model* model, const int* ids, int count, char* out, int capacity);

}
