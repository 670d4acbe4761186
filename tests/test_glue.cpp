// GLUE: the TSV readers on ../shared/data/glue (every task and split present), refusals of malformed files named by
// file and line, and the metrics against values computed by hand (and scikit-learn's conventions for edge cases).
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

#include "core/glue/glue_metrics.h"
#include "core/glue/glue_task.h"
#include "tests/support/error_text.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::glue;

namespace {

size_t data_lines(const std::string& file, bool header) {
  std::ifstream in(file);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) n += !line.empty() && line != "\r";
  return n - (header ? 1 : 0);
}

}  // namespace

class TestGlue : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void reads_every_split_data() {
    QTest::addColumn<QString>("task");
    QTest::addColumn<QString>("split");
    for (GlueTask t : all_glue_tasks()) {
      for (const char* split : {"train", "dev"}) {  // the splits the data has (QNLI: dev only)
        if (!test::exists(test::data_path("glue/" + to_string(t) + "/" + split + ".tsv"))) continue;
        QTest::newRow((to_string(t) + " " + split).c_str()) << QString::fromStdString(to_string(t)) << split;
      }
    }
  }
  void reads_every_split() {
    QVERIFY2(test::exists(test::data_path("glue/SST-2/dev.tsv")), "no GLUE data under LORASTUDIO_DATA");
    QFETCH(QString, task);
    QFETCH(QString, split);
    const std::string file = test::data_path("glue/" + task.toStdString() + "/" + split.toStdString() + ".tsv");
    GlueTask t = glue_task_from_string(task.toStdString());
    GlueSplit s = read_glue_split(test::data_path("glue"), t, split.toStdString());
    QCOMPARE(s.examples.size(), data_lines(file, t != GlueTask::CoLA));
    const GlueTaskInfo& info = glue_task_info(t);
    std::set<int> labels;
    for (const auto& e : s.examples) {
      QVERIFY(!e.text_a.empty());
      QCOMPARE(e.text_b.empty(), !info.pair);
      if (info.regression) {
        QVERIFY(e.score >= 0 && e.score <= 5);
      } else {
        labels.insert(e.label);
      }
    }
    if (!info.regression) QCOMPARE(labels, (std::set<int>{0, 1}));
  }

  void malformed_files_are_named() {
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    std::filesystem::create_directories(root + "/RTE");
    std::ofstream(root + "/RTE/dev.tsv") << "index\tsentence1\tsentence2\tlabel\n0\ta\tb\tentailment\n1\ta\tb\n";
    QString columns = test::error_of([&] { read_glue_split(root, GlueTask::RTE, "dev"); });
    QVERIFY2(columns.contains("RTE/dev.tsv:3") && columns.contains("3 columns"), qPrintable(columns));
    std::ofstream(root + "/RTE/dev.tsv") << "index\tsentence1\tsentence2\tlabel\n0\ta\tb\tmaybe\n";
    QString label = test::error_of([&] { read_glue_split(root, GlueTask::RTE, "dev"); });
    QVERIFY2(label.contains("dev.tsv:2") && label.contains("'maybe'"), qPrintable(label));
    QString missing = test::error_of([&] { read_glue_split(root, GlueTask::MRPC, "train"); });
    QVERIFY2(missing.contains("MRPC") && missing.contains("train"), qPrintable(missing));
    QCOMPARE(glue_task_from_string("sst2"), GlueTask::SST2);
    QCOMPARE(glue_task_from_string(to_string(GlueTask::STSB)), GlueTask::STSB);
    QVERIFY(test::error_of([] { glue_task_from_string("mnli"); }).contains("CoLA"));
  }

  void metrics_by_hand() {
    const std::vector<int> p = {1, 0, 1, 1}, r = {1, 1, 1, 0};
    QCOMPARE(accuracy(p, r), 0.5);
    QVERIFY(std::abs(f1_score(p, r) - 2.0 / 3.0) < 1e-12);           // tp 2, fp 1, fn 1
    QVERIFY(std::abs(matthews_correlation(p, r) + 1.0 / 3.0) < 1e-12);  // (0·2 − 1·1) / √(3·3·1·1)
    QCOMPARE(matthews_correlation(r, r), 1.0);
    QCOMPARE(matthews_correlation({0, 1, 0, 0}, {1, 0, 1, 1}), -1.0);
    QCOMPARE(matthews_correlation({1, 1, 1, 1}, r), 0.0);  // an empty marginal: 0, as scikit-learn
    QCOMPARE(f1_score({0, 0}, {1, 0}), 0.0);
    QVERIFY(std::abs(pearson_correlation({1, 2, 3}, {2, 4, 6}) - 1.0) < 1e-12);
    QVERIFY(std::abs(pearson_correlation({1, 2, 3}, {3, 2, 1}) + 1.0) < 1e-12);
    QCOMPARE(average_ranks({10, 20, 20, 30}), (std::vector<double>{1, 2.5, 2.5, 4}));
    QVERIFY(std::abs(spearman_correlation({1, 2, 2, 3}, {1, 3, 2, 4}) - 4.5 / std::sqrt(22.5)) < 1e-12);
    // Spearman sees only the order: a monotone curve is 1 while Pearson is not.
    QVERIFY(std::abs(spearman_correlation({1, 2, 3, 4}, {1, 8, 27, 64}) - 1.0) < 1e-12);
    QVERIFY(pearson_correlation({1, 2, 3, 4}, {1, 8, 27, 64}) < 0.99);
    QVERIFY(test::error_of([] { accuracy({1}, {1, 0}); }).contains("1 predictions for 2"));
  }

  // The task's metric set on a real split: the reference itself scores perfectly, its inversion does not.
  void task_metrics_on_a_split() {
    LS_REQUIRE_FILE(test::data_path("glue/CoLA/dev.tsv"));
    GlueSplit cola = read_glue_split(test::data_path("glue"), GlueTask::CoLA, "dev");
    std::vector<int> truth, inverted, majority;
    for (const auto& e : cola.examples) {
      truth.push_back(e.label);
      inverted.push_back(1 - e.label);
      majority.push_back(1);
    }
    QCOMPARE(task_metrics(GlueTask::CoLA, truth, {}, cola).at("matthews"), 1.0);
    QCOMPARE(task_metrics(GlueTask::CoLA, inverted, {}, cola).at("matthews"), -1.0);
    auto m = task_metrics(GlueTask::CoLA, majority, {}, cola);
    QCOMPARE(m.at("matthews"), 0.0);  // the majority class scores accuracy, not correlation
    QVERIFY(m.at("accuracy") > 0.6);
    LS_REQUIRE_FILE(test::data_path("glue/STS-B/dev.tsv"));
    GlueSplit sts = read_glue_split(test::data_path("glue"), GlueTask::STSB, "dev");
    std::vector<double> scores;
    for (const auto& e : sts.examples) scores.push_back(e.score * 0.5 + 1);
    auto s = task_metrics(GlueTask::STSB, {}, scores, sts);
    QVERIFY(std::abs(s.at("pearson") - 1.0) < 1e-9 && std::abs(s.at("spearman") - 1.0) < 1e-9);
  }
};

LORASTUDIO_TEST_MAIN(TestGlue)
#include "test_glue.moc"
