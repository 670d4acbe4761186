// The GLUE pipeline of Cond P-Diff's Table 1 on data that a tiny model learns in seconds (keyword tasks in GLUE's
// TSV layout): the vocabulary trimmed to a corpus tokenises it as before; masked-language pretraining lowers the loss
// (a run that cannot learn is rejected by the same check) and writes a folder the classifier loader reads; LoRA
// fine-tuning learns a task (labels shuffled: rejected), harvests the last N checkpoints with one frozen head, and
// leaves the model as it was; the harvest → generator → evaluation chain writes a table whose soup is the exact mean ΔW.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/generator/generator_trainer.h"
#include "core/glue/glue_evaluation.h"
#include "core/glue/glue_zoo.h"
#include "core/glue/mlm_pretraining.h"
#include "core/io/checkpoint_reader.h"
#include "core/models/bert_pretraining.h"
#include "core/models/model_adapters.h"
#include "core/text/wordpiece_tokenizer.h"
#include "core/zoo/zoo.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_generator.h"

using namespace lorastudio;
using namespace lorastudio::glue;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kFiller = {"the", "film", "movie", "was", "story", "a", "plot", "really", "quite",
                                          "very", "acting", "and", "it", "is", "music", "scene", "this", "one"};
const std::vector<std::string> kPositive = {"great", "good", "wonderful", "excellent", "beautiful"};
const std::vector<std::string> kNegative = {"awful", "bad", "terrible", "poor", "boring"};

// A sentence of fillers with one keyword of the label's list at a random place.
std::string keyword_sentence(int label, std::mt19937& rng) {
  std::vector<std::string> words;
  const int n = 2 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) words.push_back(kFiller[rng() % kFiller.size()]);
  const auto& keys = label ? kPositive : kNegative;
  words.insert(words.begin() + static_cast<long>(rng() % (words.size() + 1)), keys[rng() % keys.size()]);
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

// SST-2 (sentiment keyword) and CoLA (the same keywords, label inverted: another task on the same text) in GLUE's
// layouts. `shuffle_labels`: the training labels drawn at random (a task with nothing to learn).
void write_keyword_glue(const fs::path& dir, int train, int dev, bool shuffle_labels = false) {
  for (const char* task : {"SST-2", "CoLA"}) {
    fs::create_directories(dir / task);
    for (const auto& [split, rows] : {std::pair<std::string, int>{"train", train}, {"dev", dev}}) {
      std::mt19937 rng(split == "train" ? 1 : 2);
      std::ofstream out(dir / task / (split + ".tsv"));
      const bool sst = std::string(task) == "SST-2";
      if (sst) out << "sentence\tlabel\n";
      for (int i = 0; i < rows; ++i) {
        const int keyword = static_cast<int>(rng() % 2);
        int label = sst ? keyword : 1 - keyword;
        if (shuffle_labels && split == "train") label = static_cast<int>(rng() % 2);
        const std::string text = keyword_sentence(keyword, rng);
        if (sst) out << text << "\t" << label << "\n";
        else out << "src\t" << label << "\t\t" << text << "\n";
      }
    }
  }
}

std::string bert_vocab() { return test::golden_dir() + "/../vocab/bert-base-uncased/vocab.txt"; }

// A template corpus whose masked words are predictable from the rest: "the film was great and the acting was
// great too" (the keyword twice).
std::vector<std::string> template_corpus(int count) {
  std::mt19937 rng(3);
  const std::vector<std::string> nouns = {"film", "movie", "story", "plot", "music"};
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    const std::string& k = (rng() % 2 ? kPositive : kNegative)[rng() % 5];
    out.push_back("the " + nouns[rng() % nouns.size()] + " was " + k + " and the acting was " + k + " too");
  }
  return out;
}

MlmOptions tiny_mlm(const std::string& out, int64_t steps, double lr, int64_t layers = 1, int64_t hidden = 32) {
  MlmOptions o;
  o.model.num_layers = layers;
  o.model.hidden_size = hidden;
  o.model.num_heads = 2;
  o.model.intermediate_size = 2 * hidden;
  o.model.max_positions = 32;
  o.max_length = 32;
  o.steps = steps;
  o.batch = 32;
  o.lr = lr;
  o.out_dir = out;
  return o;
}

// A tiny pretrained model folder for the fine-tuning tests (pretrained once per test run).
std::string tiny_model(const QTemporaryDir& tmp) {
  const std::string dir = tmp.filePath("model").toStdString();
  if (fs::exists(fs::path(dir) / "model.safetensors")) return dir;
  write_keyword_glue(tmp.filePath("glue").toStdString(), 300, 100);
  const auto corpus = glue_training_corpus(tmp.filePath("glue").toStdString(), {GlueTask::SST2});
  pretrain_mlm(corpus, trim_wordpiece_vocabulary(bert_vocab(), corpus), tiny_mlm(dir, 150, 3e-3, 2, 64));
  return dir;
}

GlueZooPlan tiny_plan(const QTemporaryDir& tmp, const std::string& out) {
  GlueZooPlan plan;
  plan.out_dir = out;
  plan.model_dir = tiny_model(tmp);
  plan.data_dir = tmp.filePath("glue").toStdString();
  plan.tasks = {GlueTask::SST2, GlueTask::CoLA};
  plan.max_length = 32;
  plan.sample_rows = 64;
  plan.tuning.steps = 300;
  plan.tuning.keep_last = 6;
  plan.tuning.lr = plan.tuning.head_lr = 2e-3;
  plan.tuning.warmup = 5;
  return plan;
}

}  // namespace

class TestGluePipeline : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void initTestCase() {
    LS_REQUIRE_FILE(bert_vocab());
    QVERIFY(tmp_.isValid());
  }

  // Dropout acts in training mode only: two training passes differ, evaluation passes are equal; a config with
  // every dropout at 0 trains deterministically.
  void dropout_only_in_training() {
    models::BertConfig c;
    c.vocab_size = 50, c.hidden_size = 16, c.num_layers = 1, c.num_heads = 2, c.intermediate_size = 32;
    c.max_positions = 16;
    models::BertClassifier model(c);
    const auto ids = torch::randint(0, 50, {2, 8}, torch::kLong);
    model->eval();
    QVERIFY(torch::equal(model(ids), model(ids)));
    model->train();
    QVERIFY(!torch::equal(model(ids), model(ids)));
    c.hidden_dropout = c.attention_dropout = c.classifier_dropout = 0;
    models::BertClassifier plain(c);
    plain->train();
    QVERIFY(torch::equal(plain(ids), plain(ids)));
    QCOMPARE(models::BertConfig::from({c.to_json(), "config.json", "bert"}).classifier_dropout, 0.0);
  }

  void trimmed_vocabulary_tokenises_the_corpus_alike() {
    LS_REQUIRE_FILE(bert_vocab());
    const std::vector<std::string> corpus = {"The movie was wonderful!", "An unbelievably tedious plot\tthe end"};
    const auto kept = trim_wordpiece_vocabulary(bert_vocab(), corpus);
    const std::string file = tmp_.filePath("trimmed.txt").toStdString();
    std::ofstream(file) << [&] { std::string s; for (const auto& t : kept) s += t + "\n"; return s; }();
    text::WordPieceTokenizer full(bert_vocab()), trimmed(file);
    QVERIFY(trimmed.vocab_size() < full.vocab_size() / 4);
    for (const auto& line : corpus) {
      std::vector<std::string> a, b;
      for (const auto& t : full.tokenize(line)) a.push_back(t.text);
      for (const auto& t : trimmed.tokenize(line)) b.push_back(t.text);
      QCOMPARE(b, a);
    }
    QVERIFY(std::find(kept.begin(), kept.end(), "[MASK]") != kept.end());
    QVERIFY(std::find(kept.begin(), kept.end(), "q") != kept.end());         // any text still tokenises
    QVERIFY(std::find(kept.begin(), kept.end(), "##z") != kept.end());
    QVERIFY(std::find(kept.begin(), kept.end(), "[unused0]") == kept.end());
    QVERIFY(std::find(kept.begin(), kept.end(), "university") == kept.end());  // not in the corpus
  }

  // The check "pretraining learned": the loss (masked LM + next sentence) well under the uniform guess
  // ln(V) + ln 2 and masked words of the template corpus predicted far above chance. A run with a learning rate too
  // small to move is the wrong variant the check must reject.
  void pretraining_learns_data() {
    QTest::addColumn<double>("lr");
    QTest::addColumn<bool>("should_learn");
    QTest::newRow("trained") << 5e-3 << true;
    QTest::newRow("wrong: cannot learn (lr 1e-7)") << 1e-7 << false;
  }
  void pretraining_learns() {
    LS_REQUIRE_FILE(bert_vocab());
    QFETCH(double, lr);
    QFETCH(bool, should_learn);
    const auto corpus = template_corpus(1000);
    const auto vocab = trim_wordpiece_vocabulary(bert_vocab(), corpus);
    const std::string out = tmp_.filePath(QString("mlm-%1").arg(lr)).toStdString();
    const MlmResult r = pretrain_mlm(corpus, vocab, tiny_mlm(out, 120, lr));
    const double uniform = std::log(static_cast<double>(vocab.size())) + std::log(2.0);
    const bool learned = r.final_loss < 0.5 * uniform && r.masked_accuracy > 0.3;
    QVERIFY2(learned == should_learn, qPrintable(QString("loss %1 (uniform %2), masked accuracy %3")
                                                     .arg(r.final_loss).arg(uniform).arg(r.masked_accuracy)));
    // The folder is a BERT checkpoint: the classifier loader takes its encoder and pooler, key for key.
    models::BertClassifier c = models::load_bert_classifier(out);
    QCOMPARE(c->config().vocab_size, static_cast<int64_t>(vocab.size()));
    CheckpointReader reader(out + "/model.safetensors");
    QVERIFY(torch::equal(c->encoder()->word_embedding_weight(), reader.tensor("bert.embeddings.word_embeddings.weight")));
    QVERIFY(torch::equal(c->named_parameters()["bert.pooler.dense.weight"], reader.tensor("bert.pooler.dense.weight")));
    QVERIFY(reader.contains("cls.seq_relationship.weight"));
  }

  // GLUE's training text: one entry per example (pairs joined by a tab), duplicates dropped.
  void corpus_from_glue_files() {
    write_keyword_glue(tmp_.filePath("glue").toStdString(), 300, 100);
    const auto corpus = glue_training_corpus(tmp_.filePath("glue").toStdString(), {GlueTask::SST2, GlueTask::CoLA});
    const auto sst = glue_training_corpus(tmp_.filePath("glue").toStdString(), {GlueTask::SST2});
    QCOMPARE(corpus.size(), sst.size());  // CoLA repeats SST-2's sentences
    QVERIFY(sst.size() > 250 && sst.size() <= 300);
  }

  // Fine-tuning learns the keyword task; with shuffled training labels the same check fails. The harvested
  // checkpoints are the last N, share one head, and reproduce their recorded dev score when applied from outside;
  // the model is left bit for bit as it was.
  void finetuning_learns_data() {
    QTest::addColumn<bool>("shuffled");
    QTest::newRow("keyword task") << false;
    QTest::newRow("wrong: shuffled labels") << true;
  }
  void finetuning_learns() {
    LS_REQUIRE_FILE(bert_vocab());
    QFETCH(bool, shuffled);
    GlueZooPlan plan = tiny_plan(tmp_, "");
    const std::string data = tmp_.filePath(shuffled ? "glue-shuffled" : "glue-plain").toStdString();
    write_keyword_glue(data, 300, 100, shuffled);
    plan.data_dir = data;
    auto tokenizer = text::load_tokenizer(plan.model_dir);
    models::BertClassifier model = models::load_bert_classifier(plan.model_dir);
    const GlueTaskData d = load_task_data(plan, GlueTask::SST2, *tokenizer);
    std::vector<torch::Tensor> before;
    for (const auto& t : model->parameters()) before.push_back(t.detach().clone());
    const auto logits_before = model(make_batch(d.dev, {0, 1, 2}).ids);
    const GlueFinetuneResult r = finetune_glue_lora(model, d.train, d.sample, d.dev, plan.tuning);
    for (size_t i = 0; i < before.size(); ++i) QVERIFY(torch::equal(model->parameters()[i], before[i]));
    QVERIFY(torch::equal(model(make_batch(d.dev, {0, 1, 2}).ids), logits_before));
    QCOMPARE(static_cast<int64_t>(r.checkpoints.size()), plan.tuning.keep_last);
    QCOMPARE(r.checkpoints.back().step, plan.tuning.steps);
    QCOMPARE(r.checkpoints.front().adapter.modules.front().path, std::string("bert.encoder.layer.0.attention.self.query"));
    for (const auto& c : r.checkpoints) {
      QCOMPARE(c.adapter.saved_modules.size(), r.head.size());  // classifier and pooler
      for (const auto& [name, t] : r.head) QVERIFY(torch::equal(c.adapter.saved_modules.at(name), t));
    }
    const double dev = r.checkpoints.back().dev.at("accuracy");
    QVERIFY2((dev > 0.9) == !shuffled, qPrintable(QString("dev accuracy %1").arg(dev)));
    models::AttachedAdapter lora(*model, r.checkpoints.back().adapter, models::AdapterMode::Merged);
    // Merged here, unmerged branches during training: the same predictions up to a borderline example or two.
    QVERIFY(std::abs(score_classifier(model, d.dev).at("accuracy") - dev) <= 0.02);
  }

  // harvest → zoo → generator → evaluation: the zoo holds N checkpoints per task with their metrics and the
  // task's condition; the table has every method, finite, its best original being the zoo's best dev row; a
  // second harvest skips the finished tasks.
  // harvest.json reads back every field it holds (non-default values, so a field left at its default fails).
  void harvest_plan_round_trips() {
    glue::GlueZooPlan plan;
    plan.model_dir = "m";
    plan.data_dir = "d";
    plan.tasks = {glue::GlueTask::RTE, glue::GlueTask::CoLA};
    plan.max_length = 48;
    plan.train_limit = 7;
    plan.dev_limit = 9;
    plan.sample_rows = 11;
    glue::GlueFinetuneOptions& t = plan.tuning;
    t.steps = 13, t.keep_last = 5, t.batch = 17, t.lr = 0.004, t.head_lr = 0.003, t.warmup = 3, t.rank = 2;
    t.alpha = 6, t.targets = {"query", "key"}, t.head_modules = {"classifier"}, t.seed = 19, t.init_seed = 23;
    const nlohmann::json j = plan.to_json();
    QVERIFY(j != glue::GlueZooPlan().to_json());
    QCOMPARE(glue::GlueZooPlan::from_json(j, "harvest.json").to_json().dump(), j.dump());
  }

  void harvest_train_evaluate() {
    LS_REQUIRE_FILE(bert_vocab());
    const std::string out = tmp_.filePath("harvest").toStdString();
    const GlueZooPlan plan = tiny_plan(tmp_, out);
    const GlueZooSummary s = harvest_glue_zoo(plan);
    QCOMPARE(s.harvested.size(), size_t(2));
    QCOMPARE(harvest_glue_zoo(plan).skipped.size(), size_t(2));
    const Zoo zoo = Zoo::open(glue_zoo_dir(out));
    QCOMPARE(zoo.count("SST-2"), plan.tuning.keep_last);
    QVERIFY(zoo.condition("CoLA").text.find("grammatically") != std::string::npos);
    QCOMPARE(zoo.condition("SST-2").examples.size(), size_t(2));
    const auto& metrics = zoo.task("SST-2").metric_names;
    QVERIFY(std::find(metrics.begin(), metrics.end(), "dev_accuracy") != metrics.end());

    GeneratorConfig config = test::tiny_generator_config();
    config.train.ae_steps = 30;
    config.train.diffusion_steps = 30;
    const std::string gen_dir = tmp_.filePath("generator").toStdString();
    train_generator(zoo, config, gen_dir, false);
    ConditionalGenerator generator = ConditionalGenerator::load(gen_dir);
    GlueEvaluationOptions o;
    o.samples = 3;
    o.generate.steps = 5;
    const GlueEvaluation ev = evaluate_glue(out, generator, o);
    QCOMPARE(ev.tasks.size(), size_t(2));
    for (int m = 0; m < kGlueMethodCount; ++m) QVERIFY(std::isfinite(ev.main(ev.tasks[0], static_cast<GlueMethod>(m))));
    QCOMPARE(ev.tasks[0].generated_dev.size(), size_t(3));
    QCOMPARE(ev.tasks[0].control_task, std::string("CoLA"));
    QVERIFY(ev.to_markdown().find("| SST-2 (accuracy) |") != std::string::npos);
    QVERIFY(ev.to_json()["tasks"][0]["dev"].contains("soup"));
    // The best original checkpoint of the table is the zoo's best dev row.
    const torch::Tensor dev_column = zoo.task_metrics("SST-2").select(1, std::find(metrics.begin(), metrics.end(), "dev_accuracy") - metrics.begin());
    QVERIFY(std::abs(ev.main(ev.tasks[0], GlueMethod::BestOriginal) - dev_column.max().item<double>()) < 1e-6);
    // The task was learned, and the generated adapters (however briefly the generator trained) are scored.
    QVERIFY(ev.main(ev.tasks[0], GlueMethod::BestOriginal) > 0.9);
    for (double v : ev.tasks[0].generated_dev) QVERIFY(v >= 0 && v <= 1);
  }
};

LORASTUDIO_TEST_MAIN(TestGluePipeline)
#include "test_glue_pipeline.moc"
