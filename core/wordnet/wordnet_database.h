#pragma once
// WordNet 3.0 read from its database files (wndb(5WN)): data.{noun,verb,adj,adv} hold one synset a line (its
// lemmas, pointers to other synsets and its gloss), index.* list each lemma's synsets in sense order. Debian's
// wordnet-base installs them in /usr/share/wordnet.
//
//   WordNet wn = WordNet::load(WordNet::default_directory());
//   for (const Synset* s : wn.lookup("dog", PartOfSpeech::Noun)) … s->definition, s->examples, wn.hypernyms(*s)
//
// A missing directory or file, or a malformed line, is a FileError naming the file (and the line).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace lorastudio::wordnet {

enum class PartOfSpeech { Noun, Verb, Adjective, Adverb };
std::string to_string(PartOfSpeech pos);                          // "noun", "verb", "adj", "adv" (file suffixes)
std::optional<PartOfSpeech> part_of_speech_from_letter(char c);   // n, v, a, s (satellite adjective), r
const std::vector<PartOfSpeech>& all_parts_of_speech();

struct Pointer {
  std::string symbol;        // "@" hypernym, "@i" instance hypernym, "~" hyponym, "~i", "#m" member holonym, …
  uint32_t target = 0;       // the target synset's offset in its data file
  PartOfSpeech pos = PartOfSpeech::Noun;
  int source_word = 0, target_word = 0;  // 0 0: between the synsets; else a lexical pointer between two lemmas
};

struct Synset {
  uint32_t offset = 0;  // byte offset of its line in data.<pos>: WordNet's identifier
  PartOfSpeech pos = PartOfSpeech::Noun;
  bool satellite = false;       // an adjective satellite ("s")
  int lex_file = 0;             // the lexicographer file (lexicographer_file_name)
  std::vector<std::string> lemmas;  // as written, underscores turned into spaces, adjective markers dropped
  std::vector<Pointer> pointers;
  std::string definition;            // the gloss before its examples
  std::vector<std::string> examples; // the gloss's quoted example sentences
};

class WordNet {
 public:
  // The directory named by $WORDNET_DIR, else /usr/share/wordnet.
  static std::filesystem::path default_directory();
  // Reads data.* and index.* of the given parts of speech (all by default).
  static WordNet load(const std::filesystem::path& dir, const std::vector<PartOfSpeech>& parts = all_parts_of_speech());
  // "noun.animal" for 5: the 45 lexicographer files of lexnames(5WN); "" beyond them.
  static std::string lexicographer_file_name(int lex_file);

  const std::vector<Synset>& synsets(PartOfSpeech pos) const;  // in file order; empty when not loaded
  const Synset* find(PartOfSpeech pos, uint32_t offset) const; // null when there is none
  // The synsets of a lemma (any case, spaces or underscores), most frequent sense first.
  std::vector<const Synset*> lookup(const std::string& lemma, PartOfSpeech pos) const;
  // The targets of the synset's pointers whose symbol is one of `symbols` (loaded parts of speech only).
  std::vector<const Synset*> related(const Synset& s, const std::vector<std::string>& symbols) const;
  std::vector<const Synset*> hypernyms(const Synset& s) const { return related(s, {"@", "@i"}); }
  std::vector<const Synset*> hyponyms(const Synset& s) const { return related(s, {"~", "~i"}); }
  // Every synset below `s` (hyponyms and instances, transitively), without `s`, depth first; past `cap` members it
  // stops (returning cap + 1 of them).
  std::vector<const Synset*> below(const Synset& s, size_t cap = SIZE_MAX) const;
  size_t size() const;  // synsets loaded

 private:
  struct Part {
    std::vector<Synset> synsets;
    std::unordered_map<uint32_t, size_t> by_offset;
    std::unordered_map<std::string, std::vector<uint32_t>> index;  // lemma (lower case, underscores) → offsets
  };
  Part parts_[4];
};

}  // namespace lorastudio::wordnet
