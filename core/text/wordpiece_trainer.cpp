#include "core/text/wordpiece_trainer.h"

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/text/unicode_text.h"
#include "core/util/error.h"

namespace lorastudio::text {

namespace {

struct Word {
  std::vector<int32_t> symbols;
  int64_t count = 0;
};

uint64_t pair_key(int32_t a, int32_t b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b); }

class MergeState {
 public:
  MergeState(std::vector<Word> words, std::vector<std::string> tokens) : words_(std::move(words)), tokens_(std::move(tokens)) {
    for (const std::string& t : tokens_) ids_.emplace(t, static_cast<int32_t>(ids_.size()));
    for (size_t w = 0; w < words_.size(); ++w) add_pairs(w, +1);
    for (const auto& [key, count] : counts_) queue_.push({count, key});
  }

  // The most frequent pair (count ≥ min), or false.
  bool best(int64_t min_count, uint64_t& key) {
    while (!queue_.empty()) {
      const auto [count, k] = queue_.top();
      const auto it = counts_.find(k);
      if (it == counts_.end() || it->second != count) {  // stale entry
        queue_.pop();
        continue;
      }
      if (count < min_count) return false;
      key = k;
      return true;
    }
    return false;
  }

  void merge(uint64_t key) {
    const auto a = static_cast<int32_t>(key >> 32), b = static_cast<int32_t>(key & 0xffffffffu);
    const std::string& right = tokens_[static_cast<size_t>(b)];
    const std::string merged = tokens_[static_cast<size_t>(a)] + (right.rfind("##", 0) == 0 ? right.substr(2) : right);
    const int32_t id = intern(merged);
    const std::vector<size_t> affected(where_[key].begin(), where_[key].end());
    for (size_t w : affected) {
      add_pairs(w, -1);
      std::vector<int32_t>& s = words_[w].symbols;
      std::vector<int32_t> out;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) out.push_back(id), ++i;
        else out.push_back(s[i]);
      }
      s.swap(out);
      add_pairs(w, +1);
    }
    where_.erase(key);
    for (uint64_t k : touched_) {
      const auto it = counts_.find(k);
      if (it != counts_.end()) queue_.push({it->second, k});
    }
    touched_.clear();
  }

  const std::vector<std::string>& tokens() const { return tokens_; }

 private:
  int32_t intern(const std::string& token) {
    const auto [it, fresh] = ids_.emplace(token, static_cast<int32_t>(tokens_.size()));
    if (fresh) tokens_.push_back(token);
    return it->second;
  }
  void add_pairs(size_t w, int sign) {
    const Word& word = words_[w];
    for (size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      const uint64_t k = pair_key(word.symbols[i], word.symbols[i + 1]);
      int64_t& c = counts_[k];
      c += sign * word.count;
      if (c == 0) counts_.erase(k);
      if (sign > 0) where_[k].insert(w);
      touched_.insert(k);
    }
  }

  // Highest count first; among equal counts the smaller key (the pair of smaller ids).
  struct Order {
    bool operator()(const std::pair<int64_t, uint64_t>& x, const std::pair<int64_t, uint64_t>& y) const {
      return x.first != y.first ? x.first < y.first : x.second > y.second;
    }
  };
  std::vector<Word> words_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<uint64_t, int64_t> counts_;
  std::unordered_map<uint64_t, std::set<size_t>> where_;
  std::unordered_set<uint64_t> touched_;
  std::priority_queue<std::pair<int64_t, uint64_t>, std::vector<std::pair<int64_t, uint64_t>>, Order> queue_;
};

}  // namespace

std::vector<std::string> train_wordpiece_vocabulary(const std::vector<std::string>& corpus,
                                                    const WordPieceTrainerOptions& o,
                                                    const WordPieceTrainerProgress& progress) {
  std::map<std::u32string, int64_t> counts;  // ordered: a deterministic alphabet and word order
  for (const std::string& line : corpus) {
    for (std::u32string& w : bert_pre_tokenize(line, o.normalization)) ++counts[w];
  }
  if (counts.empty()) throw Error("WordPiece training: the corpus holds no words");
  std::set<std::string> alphabet;
  for (const auto& [word, n] : counts) {
    for (size_t i = 0; i < word.size(); ++i) alphabet.insert((i ? "##" : "") + encode_utf8(word.substr(i, 1)));
  }
  std::vector<std::string> tokens = o.special_tokens;
  tokens.insert(tokens.end(), alphabet.begin(), alphabet.end());
  std::unordered_map<std::string, int32_t> ids;
  for (const std::string& t : tokens) ids.emplace(t, static_cast<int32_t>(ids.size()));
  std::vector<Word> words;
  for (const auto& [word, n] : counts) {
    Word w{{}, n};
    for (size_t i = 0; i < word.size(); ++i) w.symbols.push_back(ids.at((i ? "##" : "") + encode_utf8(word.substr(i, 1))));
    words.push_back(std::move(w));
  }
  MergeState state(std::move(words), std::move(tokens));
  const int64_t total = std::max<int64_t>(0, o.vocab_size - static_cast<int64_t>(state.tokens().size()));
  for (int64_t done = 0; static_cast<int64_t>(state.tokens().size()) < o.vocab_size; ++done) {
    uint64_t key = 0;
    if (!state.best(o.min_frequency, key)) break;
    state.merge(key);
    if (progress && done % 100 == 0 && !progress(done, total)) break;
  }
  return state.tokens();
}

}  // namespace lorastudio::text
