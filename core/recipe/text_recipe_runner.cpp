#include "core/recipe/text_recipe_runner.h"

#include <filesystem>
#include <optional>
#include <set>

#include "core/generator/generator_trainer.h"
#include "core/generator/pretrained_condition_encoders.h"
#include "core/text/sif_text_encoder.h"
#include "core/text/vocab_files.h"
#include "core/textworld/text_base_model.h"
#include "core/textworld/text_demo_writer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/number_text.h"
#include "core/wordnet/task_suite_file.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {

namespace {

struct Context {
  const TextRecipe& recipe;
  RecipeRunOptions options;
  const RecipeProgress& progress;
  std::optional<wordnet::WordNet> wordnet;

  fs::path path(const std::string& name) const { return fs::path(options.cache_dir) / name; }
  std::string device() const { return options.device.empty() ? recipe.device : options.device; }
  const wordnet::WordNet& words() {
    if (!wordnet) wordnet = wordnet::WordNet::load(wordnet::WordNet::default_directory());
    return *wordnet;
  }
  bool report(const std::string& stage, int64_t step, int64_t total, const std::string& detail) const {
    return !progress || progress({stage, step, total, detail});
  }
};

StageResult run_wordnet(Context& c) {
  const auto& wn = c.words();
  return {std::to_string(wn.size()) + " synsets (" + std::to_string(wn.synsets(wordnet::PartOfSpeech::Noun).size()) +
          " nouns) in " + wordnet::WordNet::default_directory().string()};
}

StageResult run_vocabulary(Context& c) {
  const std::vector<std::string> corpus = textworld::wordnet_corpus(c.words());
  const auto vocab = textworld::text_world_vocabulary(corpus, c.recipe.vocabulary_size, [&](int64_t done, int64_t total) {
    return c.report("vocabulary", done, total, "WordPiece merges");
  });
  if (static_cast<int64_t>(vocab.size()) < 8) return {"", true};
  std::string text;
  for (const auto& t : vocab) text += t + "\n";
  write_file_atomically(c.path("vocab.txt").string(), text);
  return {std::to_string(vocab.size()) + " tokens from " + std::to_string(corpus.size()) + " WordNet entries"};
}

StageResult run_base(Context& c) {
  const std::vector<std::string> corpus = textworld::wordnet_corpus(c.words());
  const std::vector<std::string> vocab = text::read_text_lines(c.path("vocab.txt"));
  glue::MlmOptions o = c.recipe.base;
  o.out_dir = c.path("base").string();
  o.device = c.device();
  int64_t initialised = 0;
  if (c.recipe.word_vectors > 0)
    o.initialise = textworld::word_vector_initialiser(text::WordVectors::cached(c.recipe.word_vectors), vocab, &initialised);
  const glue::MlmResult r = glue::pretrain_mlm(corpus, vocab, o, [&](int64_t step, int64_t total, double loss) {
    return c.report("base", step, total, "loss " + fixed_decimals(loss, 3));
  });
  if (r.cancelled) return {"", true};
  return {std::to_string(r.parameters) + " parameters, " + std::to_string(initialised) + " token embeddings from word vectors, "
          "held-back masked accuracy " + fixed_decimals(100 * r.masked_accuracy, 1) + "%, next sentence " +
          fixed_decimals(100 * r.next_sentence_accuracy, 1) + "%"};
}

StageResult run_tasks(Context& c) {
  const wordnet::TaskSuite suite = wordnet::build_task_suite(c.words(), c.recipe.tasks);
  wordnet::save_task_suite(c.path("tasks.json").string(), suite);
  return {std::to_string(suite.tasks.size()) + " tasks, " + std::to_string(suite.tasks.size() - suite.training_count()) + " held out"};
}

StageResult run_zoo(Context& c) {
  textworld::TextZooPlan plan = c.recipe.harvest;
  plan.out_dir = c.path("harvest").string();
  plan.model_dir = c.path("base").string();
  plan.device = c.device();
  const wordnet::TaskSuite suite = wordnet::load_task_suite(c.path("tasks.json").string());
  const auto s = textworld::harvest_text_zoo(suite, plan, [&](const textworld::TextZooEvent& e) {
    return c.report("zoo", e.step, e.steps, "task " + std::to_string(e.index + 1) + "/" + std::to_string(e.total) + " " + e.task);
  });
  if (s.cancelled) return {"", true};
  double best = 0, base = 0;
  for (const auto& [t, v] : s.best_dev) best += v / static_cast<double>(s.best_dev.size());
  for (const auto& [t, v] : s.base_dev) base += v / static_cast<double>(s.base_dev.size());
  const Zoo zoo = Zoo::open(textworld::text_zoo_dir(plan.out_dir));
  return {std::to_string(zoo.tasks().size()) + " training tasks, " + std::to_string(zoo.checkpoint_count()) +
          " checkpoints, D = " + std::to_string(zoo.dim()) +
          (s.best_dev.empty() ? "" : "; this run: mean best dev accuracy " + fixed_decimals(100 * best, 1) + "% (base " +
                                         fixed_decimals(100 * base, 1) + "%)")};
}

// The condition's word vectors (text_recipe.h), fitted and saved; returns their file.
std::string write_condition_vectors(Context& c, const Zoo& zoo) {
  const wordnet::TaskSuite suite = wordnet::load_task_suite(c.path("tasks.json").string());
  std::set<std::string> words;
  for (const auto& t : suite.tasks) {
    std::string text = t.unseen_paraphrase;
    for (const auto& d : t.descriptions) text += " " + d;
    for (const auto& s : t.shots()) text += " " + textworld::shot_text(s);
    for (const auto& w : text::SifTextEncoder::words_of(text)) words.insert(w);
  }
  const text::WordVectors all = text::WordVectors::cached(c.recipe.word_vectors > 0 ? c.recipe.word_vectors : 100000);
  const text::WordVectors first = all.first(c.recipe.condition_words);
  std::vector<std::string> keep(first.words.begin(), first.words.end());
  keep.insert(keep.end(), words.begin(), words.end());
  text::SifTextEncoder sif(all.subset(keep));
  std::vector<std::string> corpus;
  for (const auto& task : zoo.tasks()) {
    const TaskCondition& cond = zoo.condition(task);
    ConditionInput in;
    in.text = cond.text;
    in.examples = cond.examples;
    corpus.push_back(condition_text(in));
  }
  sif.fit_common_component(corpus);
  const std::string file = c.path("condition-vectors.safetensors").string();
  sif.vectors_with_component().save(file);
  return fs::absolute(file).string();  // generator.json's reference holds wherever the generator is loaded from
}

StageResult run_generator(Context& c) {
  const Zoo zoo = Zoo::open(textworld::text_zoo_dir(c.path("harvest").string()));
  GeneratorConfig config = c.recipe.generator;
  config.train.device = c.device();
  if (config.condition.kind == "word-vectors" && config.condition.model.empty())
    config.condition.model = write_condition_vectors(c, zoo);
  const bool resume = fs::exists(c.path("generator") / "state");
  const TrainResult r = train_generator(zoo, config, c.path("generator").string(), resume, [&](const TrainProgress& p) {
    return c.report("generator", p.step, p.total, p.stage + " loss " + fixed_decimals(p.loss, 4));
  });
  if (r.cancelled) return {"", true};
  return {"autoencoder loss " + fixed_decimals(r.final_autoencoder_loss, 4) + " (relative error " +
          fixed_decimals(r.reconstruction_error, 3) + "), diffusion loss " + fixed_decimals(r.final_diffusion_loss, 4)};
}

StageResult run_evaluation(Context& c) {
  ConditionalGenerator generator = ConditionalGenerator::load(c.path("generator").string());
  textworld::round_to_bundle_precision(generator, c.recipe.float16);  // Table 1 of the generator the bundle ships
  textworld::TextEvaluationOptions options = c.recipe.evaluation;
  options.device = c.device();
  fs::create_directories(c.path("evaluation"));
  options.partial_path = c.path("evaluation/finished-tasks.jsonl").string();
  const textworld::TextEvaluation ev = textworld::evaluate_text_world(
      c.path("harvest").string(), generator, options, c.path("base").string(),
      [&](int i, int n, const std::string& task) { return c.report("evaluation", i, n, task); });
  if (ev.cancelled) return {"", true};
  write_file_atomically(c.path("evaluation/evaluation.json").string(), ev.to_json().dump(2) + "\n");
  write_file_atomically(c.path("evaluation/evaluation.md").string(), ev.to_markdown());
  using M = textworld::TextMethod;
  return {"in distribution: generated " + fixed_decimals(100 * ev.mean(M::GeneratedBest, false), 1) + "%, original " +
          fixed_decimals(100 * ev.mean(M::BestOriginal, false), 1) + "%; held out: generated " +
          fixed_decimals(100 * ev.mean(M::GeneratedBest, true), 1) + "%, nearest description " +
          fixed_decimals(100 * ev.mean(M::NearestDescription, true), 1) + "%"};
}

StageResult run_bundle(Context& c) {
  c.report("bundle", 0, 0, "writing the demo bundle");
  textworld::TextDemoSources src;
  src.name = c.recipe.name;
  src.recipe = fs::path(c.recipe.path).filename().string();
  src.base_dir = c.path("base").string();
  src.generator_dir = c.path("generator").string();
  src.suite_file = c.path("tasks.json").string();
  src.evaluation_dir = c.path("evaluation").string();
  src.harvest_dir = c.path("harvest").string();
  src.max_length = c.recipe.harvest.max_length;
  src.float16 = c.recipe.float16;
  src.check = c.recipe.check;
  src.sampling = c.recipe.evaluation.generate;
  src.unseen_guidance = c.recipe.evaluation.unseen_guidance;
  const int64_t bytes = textworld::write_text_demo(src, c.path("bundle").string());
  return {"demo bundle of " + fixed_decimals(static_cast<double>(bytes) / 1048576.0, 2) + " MB"};
}

StageResult run_stage(const std::string& stage, Context& c) {
  if (stage == "wordnet") return run_wordnet(c);
  if (stage == "vocabulary") return run_vocabulary(c);
  if (stage == "base") return run_base(c);
  if (stage == "tasks") return run_tasks(c);
  if (stage == "zoo") return run_zoo(c);
  if (stage == "generator") return run_generator(c);
  if (stage == "evaluation") return run_evaluation(c);
  return run_bundle(c);
}

std::string output_of(const std::string& stage) {
  if (stage == "vocabulary") return "vocab.txt";
  if (stage == "base") return "base";
  if (stage == "tasks") return "tasks.json";
  if (stage == "zoo") return "harvest";
  if (stage == "generator") return "generator";
  if (stage == "evaluation") return "evaluation";
  if (stage == "bundle") return "bundle";
  return "";
}

RecipeRunOptions resolved(const TextRecipe& recipe, RecipeRunOptions o) {
  if (o.cache_dir.empty()) o.cache_dir = default_recipe_cache_dir(recipe.name);
  return o;
}

std::vector<RecipeStageDefinition> stage_definitions(Context& c) {
  std::vector<nlohmann::json> parameters;
  for (const auto& s : text_recipe_stages()) parameters.push_back(c.recipe.stage_parameters(s));
  const std::vector<nlohmann::json> inputs = chained_inputs(parameters);
  std::vector<RecipeStageDefinition> out;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const std::string stage = text_recipe_stages()[k];
    out.push_back({stage, output_of(stage), inputs[k], stage == "wordnet", [&c, stage](bool) { return run_stage(stage, c); }});
  }
  return out;
}

}  // namespace

RecipeRunResult text_recipe_status(const TextRecipe& recipe, const RecipeRunOptions& options) {
  const RecipeProgress none;
  Context c{recipe, resolved(recipe, options), none, std::nullopt};
  return recipe_stages_status(stage_definitions(c), c.options.cache_dir);
}

RecipeRunResult run_text_recipe(const TextRecipe& recipe, const RecipeRunOptions& options, const RecipeProgress& progress) {
  Context c{recipe, resolved(recipe, options), progress, std::nullopt};
  return run_recipe_stages(stage_definitions(c), c.options.cache_dir, c.options);
}

}  // namespace lorastudio
