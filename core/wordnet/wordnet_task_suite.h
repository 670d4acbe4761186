#pragma once
// The text world's tasks, built from WordNet's noun hierarchy: "Does this definition describe a kind of bird?" for
// a category (a noun synset whose hyponym subtree has enough members). A task's inputs are glosses of other
// synsets, never the category's name: the positives are the definitions of the subtree's members, the negatives
// as many hard ones — members of the parent's (then the grandparent's) other subtrees, siblings and cousins —
// filled up with random nouns only when those run out. Fixed train/dev/test splits per task from a seed. A fixed
// set of tasks is held out as unseen, half of them with a close relative (an ancestor or descendant category) in
// training, half without.
//
//   WordNet wn = WordNet::load(WordNet::default_directory(), {PartOfSpeech::Noun});
//   TaskSuite suite = build_task_suite(wn, {});
#include <cstdint>
#include <string>
#include <vector>

#include "core/wordnet/wordnet_database.h"

namespace lorastudio::wordnet {

struct LabelledText {
  std::string text;  // a definition
  int label = 0;     // 1: a member of the category ("yes"); 0: not ("no")
};

struct WordNetTask {
  std::string name;                        // the category's lemma, unique in the suite ("bird", "bass (fish)")
  uint32_t category = 0;                   // its noun synset
  std::string category_definition;
  std::vector<std::string> descriptions;   // paraphrases used in training
  std::string unseen_paraphrase;           // a paraphrase kept out of training (an evaluation control)
  std::vector<LabelledText> train, dev, test;
  bool held_out = false;                   // unseen by the generator
  std::string relative;                    // held out: the training task of an ancestor or descendant category
  // The two-shot examples of its condition: the first positive and the first negative of train.
  std::vector<LabelledText> shots() const;
};

struct TaskSuiteOptions {
  int64_t min_members = 40;    // a category's subtree holds at least this many synsets…
  int64_t max_members = 600;   // …and at most this many (larger ones are too broad to be one task)
  int64_t max_tasks = 160;
  int64_t held_out = 24;       // of which unseen, half with a relative in training
  int64_t max_examples = 240;  // positives kept per task (the same number of negatives)
  double dev_fraction = 0.15, test_fraction = 0.15;
  uint64_t seed = 0;
};

struct TaskSuite {
  std::vector<WordNetTask> tasks;  // training tasks first, then the held-out ones
  TaskSuiteOptions options;
  size_t training_count() const;
};

// Error when WordNet's nouns are not loaded or too few categories qualify.
TaskSuite build_task_suite(const WordNet& wordnet, const TaskSuiteOptions& options);

// The description templates ("Does this definition describe a kind of {}?", …); the last is the unseen one.
const std::vector<std::string>& description_templates();

}  // namespace lorastudio::wordnet
