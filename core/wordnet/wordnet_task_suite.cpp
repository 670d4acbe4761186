#include "core/wordnet/wordnet_task_suite.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <unordered_set>

#include "core/util/error.h"

namespace lorastudio::wordnet {

namespace {

using Members = std::vector<const Synset*>;

// |a ∩ b| / |a ∪ b| of two sorted member lists; 0 without computing when the sizes alone keep it under 0.8.
double jaccard(const Members& a, const Members& b) {
  const double small = static_cast<double>(std::min(a.size(), b.size())), large = static_cast<double>(std::max(a.size(), b.size()));
  if (small < 0.8 * large) return 0.0;
  size_t common = 0;
  for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end();) {
    if (*i < *j) ++i;
    else if (*j < *i) ++j;
    else ++common, ++i, ++j;
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

struct Candidate {
  const Synset* category;
  Members members;
};

// Categories of the right size, the near-duplicates of a smaller one dropped (a parent with one child).
std::vector<Candidate> candidates(const WordNet& wn, const TaskSuiteOptions& o) {
  std::vector<Candidate> all;
  for (const Synset& s : wn.synsets(PartOfSpeech::Noun)) {
    Members m = wn.below(s, static_cast<size_t>(o.max_members));
    if (static_cast<int64_t>(m.size()) >= o.min_members && static_cast<int64_t>(m.size()) <= o.max_members) {
      std::sort(m.begin(), m.end());  // by address: for jaccard
      all.push_back({&s, std::move(m)});
    }
  }
  std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    return a.members.size() != b.members.size() ? a.members.size() < b.members.size()
                                                : a.category->offset < b.category->offset;
  });
  std::vector<Candidate> kept;
  for (Candidate& c : all) {
    const bool duplicate = std::any_of(kept.begin(), kept.end(), [&](const Candidate& k) {
      return jaccard(k.members, c.members) > 0.8;
    });
    if (!duplicate) kept.push_back(std::move(c));
  }
  return kept;
}

// As many definitions of non-members as `count`: the parent's other subtrees first, then the grandparent's, then
// random nouns.
std::vector<std::string> hard_negatives(const WordNet& wn, const Candidate& c, size_t count, std::mt19937_64& rng) {
  std::unordered_set<const Synset*> excluded(c.members.begin(), c.members.end());
  excluded.insert(c.category);
  std::vector<std::string> out;
  std::unordered_set<std::string> taken;  // also every member's definition (two synsets may share one)
  for (const Synset* m : c.members) taken.insert(m->definition);
  auto take_from = [&](Members pool) {
    std::shuffle(pool.begin(), pool.end(), rng);
    for (const Synset* s : pool) {
      if (out.size() >= count) return;
      if (excluded.count(s) || s->definition.empty() || !taken.insert(s->definition).second) continue;
      out.push_back(s->definition);
    }
  };
  const Synset* level = c.category;
  for (int up = 0; up < 2 && out.size() < count; ++up) {
    const auto parents = wn.hypernyms(*level);
    if (parents.empty()) break;
    level = parents.front();
    take_from(wn.below(*level, 20000));
  }
  const auto& nouns = wn.synsets(PartOfSpeech::Noun);
  std::uniform_int_distribution<size_t> any(0, nouns.size() - 1);
  for (int tries = 0; out.size() < count && tries < 100000; ++tries) take_from({&nouns[any(rng)]});
  return out;
}

std::string fill(const std::string& pattern, const std::string& name) {
  std::string out = pattern;
  out.replace(out.find("{}"), 2, name);
  return out;
}

// Positives and negatives each cut into train / dev / test by the fractions, then each split shuffled.
void split_examples(WordNetTask& t, std::vector<std::string> pos, std::vector<std::string> neg,
                    const TaskSuiteOptions& o, std::mt19937_64& rng) {
  auto cut = [&](std::vector<std::string>& texts, int label) {
    const size_t n = texts.size();
    const auto dev = static_cast<size_t>(o.dev_fraction * n), test = static_cast<size_t>(o.test_fraction * n);
    for (size_t i = 0; i < n; ++i) {
      auto& split = i < test ? t.test : i < test + dev ? t.dev : t.train;
      split.push_back({texts[i], label});
    }
  };
  cut(pos, 1);
  cut(neg, 0);
  for (auto* split : {&t.train, &t.dev, &t.test}) std::shuffle(split->begin(), split->end(), rng);
}

WordNetTask make_task(const WordNet& wn, const Candidate& c, const std::string& name, const TaskSuiteOptions& o) {
  std::mt19937_64 rng(o.seed * 1000003 + c.category->offset);
  WordNetTask t;
  t.name = name;
  t.category = c.category->offset;
  t.category_definition = c.category->definition;
  const auto& templates = description_templates();
  for (size_t i = 0; i + 1 < templates.size(); ++i) t.descriptions.push_back(fill(templates[i], name));
  t.unseen_paraphrase = fill(templates.back(), name);
  std::vector<std::string> pos;
  std::unordered_set<std::string> seen;
  for (const Synset* s : c.members) {
    if (!s->definition.empty() && seen.insert(s->definition).second) pos.push_back(s->definition);
  }
  std::shuffle(pos.begin(), pos.end(), rng);
  if (static_cast<int64_t>(pos.size()) > o.max_examples) pos.resize(static_cast<size_t>(o.max_examples));
  std::vector<std::string> neg = hard_negatives(wn, c, pos.size(), rng);
  split_examples(t, std::move(pos), std::move(neg), o, rng);
  return t;
}

bool related(const Candidate& a, const Candidate& b) {
  return std::find(a.members.begin(), a.members.end(), b.category) != a.members.end() ||
         std::find(b.members.begin(), b.members.end(), a.category) != b.members.end();
}

}  // namespace

const std::vector<std::string>& description_templates() {
  static const std::vector<std::string> templates = {
      "Does this definition describe a kind of {}?", "Is this the definition of some type of {}?",
      "Answer yes if the text defines a {}, and no otherwise.", "Decide whether this gloss is about a sort of {}.",
      "Would you call the thing defined here a {}?"};
  return templates;
}

std::vector<LabelledText> WordNetTask::shots() const {
  std::vector<LabelledText> out;
  for (int label : {1, 0}) {
    const auto it = std::find_if(train.begin(), train.end(), [&](const LabelledText& e) { return e.label == label; });
    if (it != train.end()) out.push_back(*it);
  }
  return out;
}

size_t TaskSuite::training_count() const {
  return static_cast<size_t>(std::count_if(tasks.begin(), tasks.end(), [](const WordNetTask& t) { return !t.held_out; }));
}

TaskSuite build_task_suite(const WordNet& wn, const TaskSuiteOptions& o) {
  if (wn.synsets(PartOfSpeech::Noun).empty()) throw Error("task suite: WordNet's nouns are not loaded");
  std::vector<Candidate> pool = candidates(wn, o);
  std::mt19937_64 rng(o.seed);
  std::shuffle(pool.begin(), pool.end(), rng);
  if (static_cast<int64_t>(pool.size()) > o.max_tasks) pool.resize(static_cast<size_t>(o.max_tasks));
  if (static_cast<int64_t>(pool.size()) < o.held_out + 2) {
    throw Error("task suite: only " + std::to_string(pool.size()) + " WordNet categories have " +
                std::to_string(o.min_members) + "–" + std::to_string(o.max_members) + " members");
  }
  // Names: the category's first lemma, with its parent's when two categories share it.
  std::map<std::string, int> uses;
  for (const Candidate& c : pool) ++uses[c.category->lemmas.front()];
  std::vector<std::string> names;
  for (const Candidate& c : pool) {
    std::string name = c.category->lemmas.front();
    const auto parents = wn.hypernyms(*c.category);
    if (uses[name] > 1 && !parents.empty()) name += " (" + parents.front()->lemmas.front() + ")";
    if (uses[name] > 1 && parents.empty()) name += " (" + std::to_string(c.category->offset) + ")";
    names.push_back(name);
  }
  // Held out: half with a relative that stays in training, half with none in the suite.
  std::vector<int> role(pool.size(), 0);  // 0 training, 1 held out, 2 must train (a held-out task's relative)
  std::vector<std::string> relative(pool.size());
  int64_t with = 0, without = 0;
  for (size_t i = 0; i < pool.size(); ++i) {
    if (role[i] != 0) continue;
    std::vector<size_t> rel;
    for (size_t j = 0; j < pool.size(); ++j) if (j != i && related(pool[i], pool[j])) rel.push_back(j);
    if (rel.empty() && without < o.held_out - o.held_out / 2) {
      role[i] = 1, ++without;
    } else if (!rel.empty() && with < o.held_out / 2 &&
               std::none_of(rel.begin(), rel.end(), [&](size_t j) { return role[j] == 1; })) {
      role[i] = 1, ++with;
      for (size_t j : rel) role[j] = 2;
      relative[i] = names[rel.front()];
    }
  }
  TaskSuite suite;
  suite.options = o;
  for (int held : {0, 1}) {
    for (size_t i = 0; i < pool.size(); ++i) {
      if ((role[i] == 1) != (held == 1)) continue;
      WordNetTask t = make_task(wn, pool[i], names[i], o);
      t.held_out = held == 1;
      t.relative = relative[i];
      suite.tasks.push_back(std::move(t));
    }
  }
  return suite;
}

}  // namespace lorastudio::wordnet
