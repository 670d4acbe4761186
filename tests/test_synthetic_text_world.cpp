// The synthetic text world the studio opens for text conditions: built in seconds, its generator follows each
// task's description (checked against deliberately wrong pairings that must fail), a description of one's own
// is placed but not scored, the task-affinity preview moves with λ, and a malformed world is refused by name.
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include <torch/torch.h>

#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/generator/latent_atlas.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/world/synthetic_text_world.h"
#include "core/zoo/zoo.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

namespace {

struct Candidates {
  std::vector<LoraAdapter> adapters;
  torch::Tensor latents;
};

Candidates generate_for(const SyntheticTextWorld& world, const WorldCondition& condition, uint64_t seed) {
  GenerateOptions o;
  o.count = 8;
  o.steps = 25;
  o.seed = seed;
  ConditionalGenerator& g = *world.generator();
  GeneratedAdapters out = generate_adapters(g, condition.input(), o);
  return {out.adapters, atlas_latents(g, "", out.params)};
}

// What "follows its description" means in the results table: nearly every candidate's nearest checkpoint is
// the task's own, and the candidates agree with the task's true ΔW at least three quarters as well as its best
// checkpoint (another task's adapters agree about 0: random centres are nearly orthogonal).
bool follows(const CandidateTable& table, const std::string& task, double original_best, QString* why) {
  int own = 0;
  double mean = 0;
  for (const auto& r : table.rows) {
    own += r.nearest_task == task;
    mean += r.score / double(table.rows.size());
  }
  *why = QStringLiteral("%1 of %2 nearest %3, mean agreement %4 (best checkpoint %5)")
             .arg(own).arg(table.rows.size()).arg(QString::fromStdString(task)).arg(mean, 0, 'f', 1).arg(original_best, 0, 'f', 1);
  return own >= int(table.rows.size()) - 1 && mean >= 0.75 * original_best;
}

}  // namespace

class TestSyntheticTextWorld : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  std::shared_ptr<const SyntheticTextWorld> world_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    const std::string dir = tmp_.filePath("world").toStdString();
    QElapsedTimer clock;
    clock.start();
    int lines = 0;
    build_synthetic_text_world(dir, {}, [&](const std::string&) { ++lines; });
    qInfo("built the synthetic text world in %.1f s", clock.elapsed() / 1000.0);
    QVERIFY(lines > 5);  // progress while it trains
    QVERIFY(SyntheticTextWorld::holds(dir));
    QVERIFY(!QFileInfo::exists(tmp_.filePath("world.building")));
    world_ = SyntheticTextWorld::open(dir);
  }

  void offers_text_conditions_with_examples() {
    QCOMPARE(world_->condition_kind(), ConditionKind::Text);
    QCOMPARE(world_->conditions().size(), size_t(6));
    for (const auto& c : world_->conditions()) {
      QVERIFY(!c.text.empty());
      QCOMPARE(c.examples.size(), size_t(2));
      QVERIFY(c.image.empty());
    }
    QVERIFY(QString::fromStdString(world_->notice()).contains(QStringLiteral("Synthetic")));
    QCOMPARE(world_->atlas().size(), int64_t(6 * 24));
    QCOMPARE(world_->atlas().tasks.size(), size_t(6));
  }

  void generated_candidates_follow_their_description_data() {
    QTest::addColumn<int>("task");
    for (int t = 0; t < 6; ++t) QTest::newRow(std::to_string(t).c_str()) << t;
  }

  // Each description yields its own task; the same check rejects the candidates of another task's
  // description (a generator that ignored its condition, or a shuffled pairing, fails it).
  void generated_candidates_follow_their_description() {
    QFETCH(int, task);
    const auto& conditions = world_->conditions();
    const WorldCondition& right = conditions[size_t(task)];
    const WorldCondition& other = conditions[size_t((task + 1) % 6)];
    const Candidates own = generate_for(*world_, right, 1);
    const CandidateTable table = world_->candidate_table(own.adapters, own.latents, right);
    QCOMPARE(table.task, right.name);
    QVERIFY(table.original_best.has_value() && table.soup.has_value());
    QString why;
    const bool ok = follows(table, right.name, *table.original_best, &why);
    qInfo("%s: %s", right.name.c_str(), qPrintable(why));
    QVERIFY2(ok, qPrintable(why));
    // Wrong: another task's candidates, judged as if they were this task's.
    const Candidates shuffled = generate_for(*world_, other, 1);
    const CandidateTable wrong = world_->candidate_table(shuffled.adapters, shuffled.latents, right);
    QVERIFY2(!follows(wrong, right.name, *table.original_best, &why), qPrintable(why));
  }

  // A typed description that repeats a task's is that task; any other text is placed but not scored.
  void own_descriptions_are_placed_not_scored() {
    WorldCondition typed;
    typed.name = "typed";
    typed.text = world_->conditions()[2].text;
    QCOMPARE(world_->task_of(typed), world_->conditions()[2].name);
    typed.text = "Decide whether a tweet is sarcastic.";
    typed.examples = {"Oh great, another Monday. -> sarcastic"};
    QCOMPARE(world_->task_of(typed), std::string());
    const Candidates c = generate_for(*world_, typed, 2);
    const CandidateTable table = world_->candidate_table(c.adapters, c.latents, typed);
    QCOMPARE(table.task, std::string());
    QCOMPARE(table.rows.size(), size_t(8));
    for (const auto& r : table.rows) {
      QVERIFY(std::isnan(r.score));
      QVERIFY(!r.nearest_task.empty());
    }
  }

  // λ = 0 looks like a's task, λ = 1 like b's; the bars move monotonically in between.
  void preview_bars_follow_lambda() {
    const Zoo zoo = Zoo::open(world_->dir() + "/zoo");
    const auto& layout = world_->generator()->layout;
    const auto a = std::make_shared<const LoraAdapter>(layout.unflatten(zoo.task_params("sentiment")[0]));
    const auto b = std::make_shared<const LoraAdapter>(layout.unflatten(zoo.task_params("translation")[0]));
    auto provider = world_->preview_provider();
    QCOMPARE(provider->subjects().size(), size_t(1));
    const auto bar = [](const PreviewImage& p, const std::string& name) {
      for (const auto& b : p.bars)
        if (b.label == name) return b;
      return PreviewBar{};
    };
    const PreviewImage at0 = provider->render(a, b, 0.0, 0, PreviewQuality::Draft);
    const PreviewImage at1 = provider->render(a, b, 1.0, 0, PreviewQuality::Full);
    const PreviewImage mid = provider->render(a, b, 0.5, 0, PreviewQuality::Draft);
    QVERIFY(!at0.empty() && !at0.rgb);
    QCOMPARE(at0.bars.size(), size_t(6));
    QVERIFY(bar(at0, "sentiment").highlight);
    QVERIFY(bar(at1, "translation").highlight);
    QVERIFY(bar(at0, "sentiment").value > 0.9);
    QVERIFY(bar(mid, "sentiment").value < bar(at0, "sentiment").value);
    QVERIFY(bar(mid, "sentiment").value > bar(at1, "sentiment").value);
    QVERIFY(QString::fromStdString(at1.caption).contains(QStringLiteral("translation")));
    // The bars equal the exact cosine of the mixed ΔW (checked against the world's own score at λ = 0).
    const auto exact = world_->agreement(zoo.task_params("sentiment")[0].unsqueeze(0), "sentiment");
    QVERIFY(std::abs(bar(at0, "sentiment").value * 100 - exact.front()) < 1e-3);
  }

  void malformed_worlds_are_refused_by_name() {
    QTemporaryDir bad;
    const std::string path = bad.filePath("world.json").toStdString();
    write_file_atomically(path, "{\"format\": \"lora-studio-synthetic-text-world\", \"version\": 99, \"tasks\": []}");
    try {
      SyntheticTextWorld::open(bad.path().toStdString());
      QFAIL("a world of another version was opened");
    } catch (const FileError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QString::fromStdString(path)), e.what());
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("version")), e.what());
    }
    write_file_atomically(path, "{not json");
    QVERIFY_THROWS_EXCEPTION(FileError, SyntheticTextWorld::holds(bad.path().toStdString()));
  }

  void lives_in_the_users_cache() {
    QTemporaryDir cache;
    qputenv("XDG_CACHE_HOME", cache.path().toUtf8());
    QVERIFY(QString::fromStdString(synthetic_text_world_dir()).startsWith(cache.path()));
    qunsetenv("XDG_CACHE_HOME");
  }
};

LORASTUDIO_GUILESS_TEST_MAIN(TestSyntheticTextWorld)
#include "test_synthetic_text_world.moc"
