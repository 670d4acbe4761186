#include "core/recipe/text_recipe.h"


#include "core/generator/unseen_guidance.h"
#include "core/recipe/recipe_file.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"


namespace lorastudio {

namespace {

void read_base(const JsonReader& b, TextRecipe& r) {
  b.only({"layers", "hidden", "heads", "intermediate", "steps", "batch", "max_length", "lr", "word_vectors"});
  models::BertConfig& m = r.base.model;
  m.num_layers = 4, m.hidden_size = 128, m.num_heads = 4, m.intermediate_size = 512, m.max_positions = 64;
  b.read("layers", m.num_layers, 1, 48);
  b.read("hidden", m.hidden_size, 8, 4096);
  b.read("heads", m.num_heads, 1, 64);
  b.read("intermediate", m.intermediate_size, 8, 16384);
  b.read("steps", r.base.steps, 1, 10000000);
  b.read("batch", r.base.batch, 2, 4096);
  b.read("max_length", r.base.max_length, 8, 512);
  b.read("lr", r.base.lr, 0.0, 1.0, Bound::Open);
  b.read("word_vectors", r.word_vectors, 0, 10000000);
  if (m.hidden_size % m.num_heads) b.fail("heads", "must divide hidden");
}

void read_tasks(const JsonReader& t, TextRecipe& r) {
  t.only({"max_tasks", "held_out", "min_members", "max_members", "max_examples"});
  wordnet::TaskSuiteOptions& o = r.tasks;
  t.read("max_tasks", o.max_tasks, 2, 100000);
  t.read("held_out", o.held_out, 0, o.max_tasks - 1);
  t.read("min_members", o.min_members, 2, 1000000);
  t.read("max_members", o.max_members, o.min_members, 1000000);
  t.read("max_examples", o.max_examples, 4, 1000000);
}

void read_zoo(const JsonReader& z, TextRecipe& r) {
  z.only({"steps", "keep", "batch", "lr", "warmup", "rank", "alpha", "targets", "freeze_a", "sample_rows", "max_length", "held_out"});
  textworld::YesNoTuningOptions& t = r.harvest.tuning;
  z.read("steps", t.steps, 1, 1000000);
  z.read("keep", t.keep_last, 1, t.steps);
  z.read("batch", t.batch, 1, 4096);
  z.read("lr", t.lr, 0.0, 1.0, Bound::Open);
  z.read("warmup", t.warmup, 0, 1000000);
  z.read("rank", t.rank, 1, 64);
  z.read("alpha", t.alpha, 0.0, 1e6, Bound::Open);
  if (z.has("targets")) t.targets = z.strings_at("targets");
  z.read("freeze_a", t.freeze_a);
  z.read("sample_rows", r.harvest.sample_rows, 1, 100000);
  z.read("max_length", r.harvest.max_length, 8, 512);
  z.read("held_out", r.harvest.held_out);
}

void read_evaluation(const JsonReader& e, TextRecipe& r) {
  e.only({"samples", "sampler", "steps", "guidance", "unseen_guidance", "tasks", "memorization_tasks"});
  textworld::TextEvaluationOptions& o = r.evaluation;
  e.read("samples", o.samples, 1, 1000);
  read_sampling(e, o.generate, o.unseen_guidance);
  e.read("memorization_tasks", o.memorization_tasks, 0, 100000);
  if (e.has("tasks")) o.tasks = e.strings_at("tasks");
}

void read_bundle(const JsonReader& b, TextRecipe& r) {
  b.only({"float16", "check_tasks", "check_samples", "check_steps"});
  b.read("float16", r.float16);
  if (b.has("check_tasks")) r.check.tasks = b.strings_at("check_tasks");
  b.read("check_samples", r.check.samples, 1, 64);
  b.read("check_steps", r.check.steps, 1, 1000);
}

}  // namespace

const std::vector<std::string>& text_recipe_stages() {
  static const std::vector<std::string> stages = {"wordnet", "vocabulary", "base", "tasks", "zoo", "generator", "evaluation", "bundle"};
  return stages;
}

TextRecipe TextRecipe::load(const std::string& path) {
  const nlohmann::json j = parse_json(read_text_file(path), path);
  const JsonReader r(j, path);
  r.only({"format", "name", "description", "world", "seed", "device", "vocabulary", "base", "tasks", "zoo", "generator",
          "condition_words", "evaluation", "bundle", "comment"});
  const RecipeHeader header = read_recipe_header(r, "text");
  TextRecipe recipe;
  recipe.path = path;
  recipe.name = header.name;
  recipe.description = header.description;
  recipe.seed = header.seed;
  r.read("device", recipe.device);
  const JsonReader v = r.child("vocabulary");
  v.only({"size"});
  v.read("size", recipe.vocabulary_size, 64, 1000000);
  read_base(r.child("base"), recipe);
  read_tasks(r.child("tasks"), recipe);
  read_zoo(r.child("zoo"), recipe);
  recipe.generator = read_recipe_generator(r, path);
  r.read("condition_words", recipe.condition_words, 0, 10000000);
  if (recipe.generator.condition.kind != "word-vectors" && r.has("condition_words"))
    r.fail("condition_words", "applies to a \"word-vectors\" condition only");
  read_evaluation(r.child("evaluation"), recipe);
  read_bundle(r.child("bundle"), recipe);
  recipe.check.seed = recipe.seed;
  recipe.base.seed = recipe.tasks.seed = recipe.harvest.tuning.seed = recipe.generator.train.seed = recipe.seed;
  recipe.harvest.tuning.init_seed = recipe.seed + 1;
  recipe.evaluation.generate.seed = recipe.seed;
  return recipe;
}

nlohmann::json TextRecipe::stage_parameters(const std::string& stage) const {
  if (stage == "wordnet") return nlohmann::json::object();
  if (stage == "vocabulary") return {{"size", vocabulary_size}, {"corpus", "lemmas: definition\\texample"}};
  if (stage == "base") {
    const auto& m = base.model;
    return {{"layers", m.num_layers}, {"hidden", m.hidden_size}, {"heads", m.num_heads}, {"intermediate", m.intermediate_size},
            {"steps", base.steps}, {"batch", base.batch}, {"max_length", base.max_length}, {"lr", base.lr},
            {"word_vectors", word_vectors}, {"seed", seed}};
  }
  if (stage == "tasks")
    return {{"max_tasks", tasks.max_tasks}, {"held_out", tasks.held_out}, {"min_members", tasks.min_members},
            {"max_members", tasks.max_members}, {"max_examples", tasks.max_examples}, {"seed", seed}};
  if (stage == "zoo") {
    nlohmann::json p = harvest.to_json();
    p.erase("model");
    p.erase("device");
    return p;
  }
  if (stage == "generator") {
    nlohmann::json g = generator.to_json();
    g["train"].erase("device");
    g["condition_words"] = condition_words;
    return g;
  }
  if (stage == "evaluation") {
    const auto& e = evaluation;
    nlohmann::json j = sampling_json(e.generate, e.unseen_guidance);  // unseen_guidance only when it differs
    j.update({{"samples", e.samples}, {"tasks", e.tasks}, {"memorization_tasks", e.memorization_tasks}, {"seed", seed}});
    j["float16"] = float16;  // the generator is evaluated at the precision its bundle stores
    return j;
  }
  if (stage == "bundle")
    return {{"name", name}, {"max_length", harvest.max_length}, {"float16", float16}, {"check_tasks", check.tasks}, {"check_samples", check.samples},
            {"check_steps", check.steps}, {"seed", seed}};
  throw Error("unknown text recipe stage \"" + stage + "\"");
}

}  // namespace lorastudio
