#include "core/wordnet/wordnet_database.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "core/util/error.h"

namespace fs = std::filesystem;

namespace lorastudio::wordnet {

namespace {

const char* const kLexicographerFiles[] = {
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute",
    "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
    "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon", "noun.plant", "noun.possession",
    "noun.process", "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
    "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition", "verb.consumption",
    "verb.contact", "verb.creation", "verb.emotion", "verb.motion", "verb.perception", "verb.possession",
    "verb.social", "verb.stative", "verb.weather", "adj.ppl"};

// Reads whitespace-separated fields of one line, each read naming what it expected on failure.
class Fields {
 public:
  Fields(const std::string& text, std::string where) : in_(text), where_(std::move(where)) {}
  std::string next(const char* what) {
    std::string t;
    if (!(in_ >> t)) fail(std::string("ends before its ") + what);
    return t;
  }
  long number(const char* what, int base, long lo, long hi) {
    const std::string t = next(what);
    char* end = nullptr;
    const long v = std::strtol(t.c_str(), &end, base);
    if (end != t.c_str() + t.size() || v < lo || v > hi) fail(std::string("has '") + t + "' where its " + what + " belongs");
    return v;
  }
  [[noreturn]] void fail(const std::string& problem) const { throw FileError(where_, problem + " (not WordNet 3.0's format)"); }

 private:
  std::istringstream in_;
  std::string where_;
};

std::string lemma_key(std::string lemma) {
  for (char& c : lemma) c = c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lemma;
}

std::string readable_lemma(std::string word) {
  const size_t marker = word.find('(');  // adjectives' syntactic markers: (a), (p), (ip)
  if (marker != std::string::npos && word.back() == ')') word.erase(marker);
  std::replace(word.begin(), word.end(), '_', ' ');
  return word;
}

std::string trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(" ;"), b = s.find_last_not_of(" ;");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// "definition; \"example one\"; \"example two\"".
void parse_gloss(const std::string& gloss, Synset& s) {
  const size_t quote = gloss.find('"');
  s.definition = trimmed(gloss.substr(0, quote));
  for (size_t at = quote; at != std::string::npos;) {
    const size_t end = gloss.find('"', at + 1);
    if (end == std::string::npos) break;
    const std::string example = trimmed(gloss.substr(at + 1, end - at - 1));
    if (!example.empty()) s.examples.push_back(example);
    at = gloss.find('"', end + 1);
  }
}

Synset parse_data_line(const std::string& line, PartOfSpeech pos, uint64_t position, const std::string& where) {
  const size_t bar = line.find(" | ");
  Fields f(line.substr(0, bar), where);
  Synset s;
  s.pos = pos;
  s.offset = static_cast<uint32_t>(f.number("synset offset", 10, 0, 99999999));
  if (s.offset != position) f.fail("says it starts at byte " + std::to_string(s.offset) + ", not " + std::to_string(position));
  s.lex_file = static_cast<int>(f.number("lexicographer file number", 10, 0, 44));
  const std::string type = f.next("synset type");
  const std::optional<PartOfSpeech> type_pos = type.size() == 1 ? part_of_speech_from_letter(type[0]) : std::nullopt;
  if (!type_pos || *type_pos != pos) f.fail("has synset type '" + type + "' in data." + to_string(pos));
  s.satellite = type == "s";
  const long words = f.number("word count", 16, 1, 255);
  for (long i = 0; i < words; ++i) {
    s.lemmas.push_back(readable_lemma(f.next("word")));
    f.number("lexical id", 16, 0, 15);
  }
  const long pointers = f.number("pointer count", 10, 0, 999);
  for (long i = 0; i < pointers; ++i) {
    Pointer p;
    p.symbol = f.next("pointer symbol");
    p.target = static_cast<uint32_t>(f.number("pointer target", 10, 0, 99999999));
    const std::string target_pos = f.next("pointer part of speech");
    const auto tp = target_pos.size() == 1 ? part_of_speech_from_letter(target_pos[0]) : std::nullopt;
    if (!tp) f.fail("has pointer part of speech '" + target_pos + "'");
    p.pos = *tp;
    const long words_field = f.number("pointer source/target", 16, 0, 0xffff);
    p.source_word = static_cast<int>(words_field >> 8), p.target_word = static_cast<int>(words_field & 0xff);
    s.pointers.push_back(std::move(p));
  }
  if (bar == std::string::npos) f.fail("has no gloss (\" | \")");
  parse_gloss(line.substr(bar + 3), s);
  return s;
}

void read_data_file(const fs::path& file, PartOfSpeech pos, std::vector<Synset>& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file.string(), "cannot be read: is WordNet installed (Debian's wordnet-base)?");
  uint64_t position = 0;
  size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const uint64_t start = position;
    position += line.size() + 1;
    if (line.rfind("  ", 0) == 0 || line.empty()) continue;  // the licence header
    out.push_back(parse_data_line(line, pos, start, file.string() + ":" + std::to_string(number)));
  }
  if (out.empty()) throw FileError(file.string(), "holds no synsets");
}

void read_index_file(const fs::path& file, std::unordered_map<std::string, std::vector<uint32_t>>& index) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file.string(), "cannot be read: is WordNet installed (Debian's wordnet-base)?");
  size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.rfind("  ", 0) == 0 || line.empty()) continue;
    Fields f(line, file.string() + ":" + std::to_string(number));
    const std::string lemma = f.next("lemma");
    f.next("part of speech");
    const long synsets = f.number("synset count", 10, 1, 9999);
    const long pointers = f.number("pointer count", 10, 0, 999);
    for (long i = 0; i < pointers; ++i) f.next("pointer symbol");
    f.number("sense count", 10, 0, 9999);
    f.number("tagged sense count", 10, 0, 9999);
    std::vector<uint32_t>& offsets = index[lemma];
    for (long i = 0; i < synsets; ++i) offsets.push_back(static_cast<uint32_t>(f.number("synset offset", 10, 0, 99999999)));
  }
}

}  // namespace

std::string to_string(PartOfSpeech pos) {
  switch (pos) {
    case PartOfSpeech::Noun: return "noun";
    case PartOfSpeech::Verb: return "verb";
    case PartOfSpeech::Adjective: return "adj";
    case PartOfSpeech::Adverb: return "adv";
  }
  return "noun";
}

std::optional<PartOfSpeech> part_of_speech_from_letter(char c) {
  switch (c) {
    case 'n': return PartOfSpeech::Noun;
    case 'v': return PartOfSpeech::Verb;
    case 'a': case 's': return PartOfSpeech::Adjective;
    case 'r': return PartOfSpeech::Adverb;
    default: return std::nullopt;
  }
}

const std::vector<PartOfSpeech>& all_parts_of_speech() {
  static const std::vector<PartOfSpeech> all = {PartOfSpeech::Noun, PartOfSpeech::Verb, PartOfSpeech::Adjective,
                                                PartOfSpeech::Adverb};
  return all;
}

fs::path WordNet::default_directory() {
  const char* dir = std::getenv("WORDNET_DIR");
  return dir && *dir ? fs::path(dir) : fs::path("/usr/share/wordnet");
}

WordNet WordNet::load(const fs::path& dir, const std::vector<PartOfSpeech>& parts) {
  if (!fs::is_directory(dir)) {
    throw FileError(dir.string(), "is not a directory: WordNet 3.0's database is missing (install Debian's "
                                  "wordnet-base, or set WORDNET_DIR to a folder with data.noun, index.noun, …)");
  }
  WordNet wn;
  for (PartOfSpeech pos : parts) {
    Part& part = wn.parts_[static_cast<int>(pos)];
    read_data_file(dir / ("data." + to_string(pos)), pos, part.synsets);
    for (size_t i = 0; i < part.synsets.size(); ++i) part.by_offset.emplace(part.synsets[i].offset, i);
    read_index_file(dir / ("index." + to_string(pos)), part.index);
    for (const auto& [lemma, offsets] : part.index) {
      for (uint32_t o : offsets) {
        if (!part.by_offset.count(o)) {
          throw FileError((dir / ("index." + to_string(pos))).string(),
                          "lists '" + lemma + "' at offset " + std::to_string(o) + ", which data." + to_string(pos) + " lacks");
        }
      }
    }
  }
  return wn;
}

std::string WordNet::lexicographer_file_name(int lex_file) {
  return lex_file >= 0 && lex_file < 45 ? kLexicographerFiles[lex_file] : "";
}

const std::vector<Synset>& WordNet::synsets(PartOfSpeech pos) const { return parts_[static_cast<int>(pos)].synsets; }

const Synset* WordNet::find(PartOfSpeech pos, uint32_t offset) const {
  const Part& part = parts_[static_cast<int>(pos)];
  const auto it = part.by_offset.find(offset);
  return it == part.by_offset.end() ? nullptr : &part.synsets[it->second];
}

std::vector<const Synset*> WordNet::lookup(const std::string& lemma, PartOfSpeech pos) const {
  const Part& part = parts_[static_cast<int>(pos)];
  std::vector<const Synset*> out;
  const auto it = part.index.find(lemma_key(lemma));
  if (it == part.index.end()) return out;
  for (uint32_t o : it->second) out.push_back(find(pos, o));
  return out;
}

std::vector<const Synset*> WordNet::related(const Synset& s, const std::vector<std::string>& symbols) const {
  std::vector<const Synset*> out;
  for (const Pointer& p : s.pointers) {
    if (std::find(symbols.begin(), symbols.end(), p.symbol) == symbols.end()) continue;
    if (const Synset* t = find(p.pos, p.target)) out.push_back(t);
  }
  return out;
}

std::vector<const Synset*> WordNet::below(const Synset& s, size_t cap) const {
  std::vector<const Synset*> out;
  std::unordered_set<const Synset*> seen{&s};
  std::vector<const Synset*> stack{&s};
  while (!stack.empty() && out.size() <= cap) {
    const Synset* top = stack.back();
    stack.pop_back();
    for (const Synset* child : hyponyms(*top)) {
      if (seen.insert(child).second) {
        out.push_back(child);
        stack.push_back(child);
      }
    }
  }
  return out;
}

size_t WordNet::size() const {
  size_t n = 0;
  for (const Part& p : parts_) n += p.synsets.size();
  return n;
}

}  // namespace lorastudio::wordnet
