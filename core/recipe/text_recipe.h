#pragma once
// The text world's recipe (models/recipes/text-wordnet.json): everything from WordNet to the evaluated generator
// in one JSON file, "world": "text". Its stages, in order:
//   wordnet     WordNet's database files (checked, counted)
//   vocabulary  a WordPiece vocabulary trained on the WordNet corpus                 → CACHE/vocab.txt
//   base        the yes/no base model pretrained on the corpus (masked LM)           → CACHE/base/
//   tasks       the WordNet task suite                                               → CACHE/tasks.json
//   zoo         LoRA harvesting over every task                                      → CACHE/harvest/
//   generator   the condition's word vectors and the conditional generator trained on the training tasks' zoo
//                                                                                    → CACHE/generator/
//   evaluation  the Table-1 evaluation with held-out tasks and controls              → CACHE/evaluation/
//   bundle      the demo bundle (base model, generator with its word vectors, tasks, figures) → CACHE/bundle/
// Every random choice derives from the recipe's seed. Unknown keys are errors naming the key.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/generator/generator_config.h"
#include "core/glue/mlm_pretraining.h"
#include "core/textworld/text_demo.h"
#include "core/textworld/text_evaluation.h"
#include "core/textworld/text_zoo.h"
#include "core/wordnet/wordnet_task_suite.h"

namespace lorastudio {

const std::vector<std::string>& text_recipe_stages();  // "wordnet", "vocabulary", …, "evaluation", "bundle"

struct TextRecipe {
  std::string path;
  std::string name;
  std::string description;
  uint64_t seed = 0;
  int64_t vocabulary_size = 8000;
  glue::MlmOptions base;           // shape, steps, batch, max_length, lr (its seed is the recipe's)
  int64_t word_vectors = 100000;   // initialise the token embeddings from this many cached word vectors (0: no)
  wordnet::TaskSuiteOptions tasks;
  textworld::TextZooPlan harvest;  // out_dir and model_dir are set by the runner
  GeneratorConfig generator;
  // The generator's word-vector condition: the cached vectors' most frequent `condition_words` words plus every
  // word of the suite's descriptions and examples, with the SIF common component fitted on the training tasks'
  // conditions (CACHE/condition-vectors.safetensors; what the demo bundle ships).
  int64_t condition_words = 20000;
  textworld::TextEvaluationOptions evaluation;
  bool float16 = true;               // the bundle's weights as float16 (the evaluation measures the generator so)
  textworld::TextDemoCheck check;    // the bundle's check (tasks empty: its defaults)
  std::string device = "cpu";      // pretraining, harvesting and generator training ("cpu", "cuda")

  static TextRecipe load(const std::string& path);  // FileError naming the file and the key
  // The parameters of one stage as JSON (what makes it run again when changed).
  nlohmann::json stage_parameters(const std::string& stage) const;
};

}  // namespace lorastudio
