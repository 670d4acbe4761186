// The WordNet task suite (core/wordnet/wordnet_task_suite.h) on the installed WordNet: its size, held-out set,
// balanced disjoint splits, members as positives and siblings or cousins as negatives, determinism — each
// property checked on every task, so a suite with random negatives or leaking splits fails; tasks.json round trips.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <fstream>
#include <set>
#include <unordered_set>

#include "core/util/error.h"
#include "core/wordnet/task_suite_file.h"
#include "core/wordnet/wordnet_task_suite.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::wordnet;

namespace {

std::unordered_set<std::string> definitions_below(const WordNet& wn, const Synset& s) {
  std::unordered_set<std::string> out;
  for (const Synset* m : wn.below(s)) out.insert(m->definition);
  return out;
}

}  // namespace

class TestWordNetTasks : public QObject {
  Q_OBJECT

  WordNet wn_;
  TaskSuite suite_;

 private Q_SLOTS:
  void initTestCase() {
    LS_REQUIRE_FILE((WordNet::default_directory() / "data.noun").string());
    wn_ = WordNet::load(WordNet::default_directory(), {PartOfSpeech::Noun});
    suite_ = build_task_suite(wn_, {});
  }

  void suite_size_and_held_out_set() {
    const auto& o = suite_.options;
    QVERIFY2(suite_.tasks.size() >= 120, qPrintable(QString::number(suite_.tasks.size())));
    const int64_t held = static_cast<int64_t>(suite_.tasks.size() - suite_.training_count());
    QCOMPARE(held, o.held_out);
    QVERIFY(held >= 20);
    std::set<std::string> names, training;
    for (const WordNetTask& t : suite_.tasks) {
      QVERIFY2(names.insert(t.name).second, t.name.c_str());
      if (!t.held_out) training.insert(t.name);
    }
    int with_relative = 0;
    for (const WordNetTask& t : suite_.tasks) {
      if (!t.held_out) continue;
      if (!t.relative.empty()) {
        ++with_relative;
        QVERIFY2(training.count(t.relative), t.relative.c_str());  // the relative is trained on
      }
    }
    QCOMPARE(with_relative, static_cast<int>(o.held_out / 2));
    std::string unseen;
    for (const WordNetTask& t : suite_.tasks) {
      if (t.held_out) unseen += t.name + (t.relative.empty() ? "" : " [" + t.relative + "]") + ", ";
    }
    qInfo("%zu tasks, %lld held out: %s", suite_.tasks.size(), static_cast<long long>(held), unseen.c_str());
  }

  void splits_are_balanced_and_disjoint() {
    for (const WordNetTask& t : suite_.tasks) {
      std::set<std::string> seen;
      for (const auto* split : {&t.train, &t.dev, &t.test}) {
        QVERIFY(!split->empty());
        int positives = 0;
        for (const LabelledText& e : *split) {
          positives += e.label;
          QVERIFY2(seen.insert(e.text).second, (t.name + ": " + e.text).c_str());  // no text in two splits
        }
        QVERIFY(std::abs(2 * positives - static_cast<int>(split->size())) <= 2);
      }
      QCOMPARE(t.shots().size(), size_t(2));
      QVERIFY(t.descriptions.front().find(t.name) != std::string::npos);
      QVERIFY(std::find(t.descriptions.begin(), t.descriptions.end(), t.unseen_paraphrase) == t.descriptions.end());
    }
  }

  // Positives are the category's members; negatives are not, and come mostly from the grandparent's subtree
  // (siblings and cousins), not from anywhere.
  void positives_are_members_negatives_are_near() {
    int near_tasks = 0;
    for (const WordNetTask& t : suite_.tasks) {
      const Synset* category = wn_.find(PartOfSpeech::Noun, t.category);
      QVERIFY(category);
      const auto members = definitions_below(wn_, *category);
      const Synset* top = category;
      for (int up = 0; up < 2 && !wn_.hypernyms(*top).empty(); ++up) top = wn_.hypernyms(*top).front();
      const auto neighbourhood = definitions_below(wn_, *top);
      int negatives = 0, near = 0;
      for (const auto* split : {&t.train, &t.dev, &t.test}) {
        for (const LabelledText& e : *split) {
          QCOMPARE(members.count(e.text) > 0, e.label == 1);
          if (e.label == 0) ++negatives, near += neighbourhood.count(e.text) > 0;
        }
      }
      near_tasks += near >= 0.9 * negatives;
    }
    QVERIFY2(near_tasks >= 0.8 * static_cast<double>(suite_.tasks.size()), qPrintable(QString::number(near_tasks)));
  }

  void deterministic_from_the_seed() {
    TaskSuiteOptions o;
    o.max_tasks = 30;
    o.held_out = 6;
    const TaskSuite a = build_task_suite(wn_, o), b = build_task_suite(wn_, o);
    o.seed = 1;
    const TaskSuite c = build_task_suite(wn_, o);
    auto signature = [](const TaskSuite& s) {
      std::string sig;
      for (const auto& t : s.tasks) sig += t.name + (t.held_out ? "*" : "") + t.train.front().text + "|";
      return sig;
    };
    QCOMPARE(signature(a), signature(b));
    QVERIFY(signature(a) != signature(c));
  }

  // tasks.json keeps everything the evaluation and the demo read; a file that is not a suite is refused by name.
  void the_suite_file_round_trips() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("tasks.json").toStdString();
    save_task_suite(path, suite_);
    const TaskSuite back = load_task_suite(path);
    QCOMPARE(back.tasks.size(), suite_.tasks.size());
    QCOMPARE(task_suite_to_json(back), task_suite_to_json(suite_));
    const WordNetTask& held = suite_.tasks.back();
    QVERIFY(find_task(back, held.name) && find_task(back, held.name)->held_out);
    QCOMPARE(find_task(back, held.name)->test.size(), held.test.size());
    QVERIFY(!find_task(back, "no such task"));
    std::ofstream(tmp.filePath("bad.json").toStdString()) << R"({"format": "lora-studio-task-suite", "tasks": [{"name": "x"}]})";
    QVERIFY_THROWS_EXCEPTION(FileError, load_task_suite(tmp.filePath("bad.json").toStdString()));
  }
};

LORASTUDIO_TEST_MAIN(TestWordNetTasks)
#include "test_wordnet_tasks.moc"
