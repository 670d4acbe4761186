#pragma once
// The text world's demo bundle (models/demo/text-wordnet/): what `generate --demo` and the studio need, offline, made
// by the text recipe's bundle stage. One folder:
//   demo.json          format, world "text", name, recipe, the sampling its Table 1 was made with, the check (below)
//   base/              the yes/no base model (config.json, model.safetensors in float16, vocab.txt)
//   generator/         the generator bundle; its condition-vectors.safetensors are the word vectors it encodes with
//                      (the recipe's trimmed set with the fitted SIF common component)
//   tasks.json         the task suite with each task's two shots and its test split (no training or dev data)
//   evaluation.json/md the recipe's Table 1
//   atlas.safetensors  every harvested checkpoint (training and held-out zoos) and each task's soup in the generator's
//                      latent space, for the studio's trajectory view (absent in older bundles)
// The check: figures the bundle reproduces with today's code — the test accuracy of adapters generated with a fixed
// seed for a few tasks — so a stale bundle is caught by a test.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/generator/latent_atlas.h"
#include "core/lora/lora_adapter.h"
#include "core/textworld/yes_no_model.h"
#include "core/wordnet/wordnet_task_suite.h"
#include "core/zoo/zoo_manifest.h"

namespace lorastudio::textworld {

inline constexpr const char* kTextDemoFormat = "lora-studio-text-demo";

struct TextDemoCheck {
  struct Figure {
    std::string task;
    std::vector<double> test_accuracy;  // each generated adapter's
  };
  std::vector<std::string> tasks;  // empty when writing: the first three training and first two held-out tasks
  int64_t samples = 4, steps = 25;
  std::string sampler = "ddim";
  double guidance = 1.0;  // absent in bundles made before it was recorded: 1
  double unseen_guidance = 1.0;  // the held-out tasks'; absent: the guidance
  uint64_t seed = 0;
  double tolerance = 0.02;  // accuracy: what a check may differ by (float rounding can flip an answer at 1/2)
  std::vector<Figure> figures;
  nlohmann::json to_json() const;
  static TextDemoCheck from_json(const nlohmann::json& j, const std::string& label);
};

class TextDemo {
 public:
  // Validates demo.json and tasks.json and that the base model and generator folders are there (FileError naming
  // the file); the networks are loaded by base() and generator().
  static TextDemo load(const std::string& dir);

  std::string dir, name, recipe;
  int64_t max_length = 64;  // tokens per input the adapters were harvested with (the base model cuts to it)
  wordnet::TaskSuite suite;
  nlohmann::json evaluation;
  TextDemoCheck check;
  // The sampler, steps and guidance the bundle's Table 1 was measured with: what `generate --demo` and the studio
  // sample with unless told otherwise (older bundles: DDIM, 25 steps, guidance 1).
  GenerateOptions sampling;  // its sampler, steps and guidance (for the suite's training tasks)
  double unseen_guidance = 1.0;  // the guidance for any other description (held-out tasks, typed ones)
  LatentAtlas atlas;  // empty when the bundle has none

  std::string base_dir() const { return dir + "/base"; }
  std::string generator_dir() const { return dir + "/generator"; }
  YesNoModel base() const;  // cutting inputs to max_length
  ConditionalGenerator generator() const;
  // The task one of whose descriptions (training paraphrases or the unseen one) is `text`, ignoring case,
  // spacing and punctuation; null when none is.
  const wordnet::WordNetTask* match(const std::string& text) const;
  // The sampling for a description of `task` (null: one the suite does not know): `sampling`, with the unseen
  // guidance unless the task is one the generator trained on.
  GenerateOptions sampling_for(const wordnet::WordNetTask* task) const;
  // A few definitions to answer when the description matches no task: the first positive test definition of
  // `count` tasks spread over the suite.
  std::vector<wordnet::LabelledText> sample_definitions(size_t count) const;
  // One of the task's test figures in the recorded evaluation ("best_original", "soup", "oracle", …: evaluation.json);
  // null when the evaluation lacks it.
  std::optional<double> evaluated(const std::string& task, const std::string& figure) const;
};

// Whether DIR/demo.json is a text demo's (its "format").
bool is_text_demo(const std::string& dir);

// The condition a description gets: the matched task's two shots as examples unless `examples` are given.
TaskCondition demo_condition(const std::string& text, const std::vector<std::string>& examples, const wordnet::WordNetTask* task);

// P(yes) of each text with the adapter merged into the model (null: the base model).
std::vector<double> answers_with(YesNoModel& model, const LoraAdapter* adapter, const std::vector<std::string>& texts);

// Accuracy on `split` with the adapter merged into the model (null: the base model), and each adapter's.
double split_accuracy(YesNoModel& model, const std::vector<wordnet::LabelledText>& split, const LoraAdapter* adapter);
std::vector<double> split_accuracies(YesNoModel& model, const std::vector<wordnet::LabelledText>& split,
                                     const std::vector<LoraAdapter>& adapters);

// The check's figures measured now on the bundle's own networks.
std::vector<TextDemoCheck::Figure> measure_text_demo_check(const TextDemo& demo, const TextDemoCheck& check);
// One line per figure that differs from the recorded one by more than `tolerance` (or is missing).
std::vector<std::string> text_demo_check_differences(const TextDemoCheck& recorded,
                                                     const std::vector<TextDemoCheck::Figure>& measured, double tolerance);

}  // namespace lorastudio::textworld
