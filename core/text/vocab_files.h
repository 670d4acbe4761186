#pragma once
// Reading tokenizer vocabularies: one token a line (vocab.txt), a JSON object token → id (encoder.json,
// vocab.json), ranked merges (vocab.bpe, merges.txt, CLIP's gzip-compressed bpe_simple_vocab_16e6.txt.gz).
// Every problem is a FileError naming the file and the line or token.
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/text/bpe_merges.h"

namespace lorastudio::text {

// The file's lines without their line ends ("\n" or "\r\n"); ".gz" files are decompressed.
std::vector<std::string> read_text_lines(const std::filesystem::path& path);

// A JSON object of token → id: ids must be distinct and non-negative.
std::unordered_map<std::string, int64_t> read_json_vocab(const std::filesystem::path& path);

// Merges "left right" a line, from `first_line` (a "#version" header is skipped), at most `max_merges`
// (0: all); blank lines at the end are allowed.
BpeMerges merges_from_lines(const std::vector<std::string>& lines, const std::string& label, size_t first_line = 0,
                            size_t max_merges = 0);

// id → token for a vocabulary read as token → id; a gap in the ids is an error.
std::vector<std::string> invert_vocab(const std::unordered_map<std::string, int64_t>& vocab, const std::string& label);

}  // namespace lorastudio::text
