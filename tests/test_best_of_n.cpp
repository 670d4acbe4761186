// Best-of-N ranking: every candidate scored once in order, the best by the wanted direction, NaN scores
// last, cancel keeps the scores so far, and an evaluator's failure names the candidate.
#include <QtTest/QtTest>

#include <cmath>

#include "core/generator/best_of_n.h"
#include "core/util/error.h"
#include "tests/support/adapter_testing.h"

using namespace lorastudio;

Q_DECLARE_METATYPE(std::vector<double>)
Q_DECLARE_METATYPE(std::vector<int>)

namespace {

std::vector<LoraAdapter> candidates(size_t n) {
  std::vector<LoraAdapter> v;
  for (size_t i = 0; i < n; ++i) v.push_back(test::random_adapter({{"layer.q", 4, 4, 1, 1}}, 100 + i));
  return v;
}

}  // namespace

class TestBestOfN : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void ranks_by_score_data() {
    QTest::addColumn<std::vector<double>>("scores");
    QTest::addColumn<bool>("higher");
    QTest::addColumn<int>("best");
    QTest::addColumn<std::vector<int>>("ranking");
    const double nan = std::nan("");
    QTest::newRow("accuracy") << std::vector<double>{0.71, 0.93, 0.88, 0.93} << true << 1 << std::vector<int>{1, 3, 2, 0};
    QTest::newRow("loss") << std::vector<double>{0.71, 0.93, 0.42, 0.5} << false << 2 << std::vector<int>{2, 3, 0, 1};
    QTest::newRow("unscored last") << std::vector<double>{nan, 0.2, nan, 0.1} << true << 1 << std::vector<int>{1, 3, 0, 2};
    QTest::newRow("none scored") << std::vector<double>{nan, nan} << true << -1 << std::vector<int>{0, 1};
    QTest::newRow("one") << std::vector<double>{-3.0} << false << 0 << std::vector<int>{0};
  }
  void ranks_by_score() {
    QFETCH(std::vector<double>, scores);
    QFETCH(bool, higher);
    QFETCH(int, best);
    QFETCH(std::vector<int>, ranking);
    const std::vector<LoraAdapter> c = candidates(scores.size());
    std::vector<int> seen;
    const BestOfN r = rank_candidates(c, [&](const LoraAdapter& a, int i) {
      seen.push_back(i);
      if (a.modules[0].A.data_ptr() != c[static_cast<size_t>(i)].modules[0].A.data_ptr()) throw Error("wrong candidate");
      return scores[static_cast<size_t>(i)];
    }, higher);
    QCOMPARE(int(seen.size()), int(scores.size()));
    for (size_t i = 0; i < seen.size(); ++i) QCOMPARE(seen[i], int(i));
    QCOMPARE(r.best, best);
    QCOMPARE(r.ranking(), ranking);
    QCOMPARE(r.scores.size(), scores.size());
    QVERIFY(!r.cancelled);
  }

  void cancel_keeps_the_scores_so_far() {
    const std::vector<LoraAdapter> c = candidates(5);
    int calls = 0;
    const BestOfN r = rank_candidates(c, [&](const LoraAdapter&, int i) { ++calls; return double(i); }, true,
                                      [](int done, int total) { return total == 5 && done < 3; });
    QVERIFY(r.cancelled);
    QCOMPARE(calls, 3);
    QCOMPARE(r.scores.size(), size_t(3));
    QCOMPARE(r.best, 2);
  }

  void evaluator_failure_names_the_candidate() {
    const std::vector<LoraAdapter> c = candidates(3);
    try {
      rank_candidates(c, [](const LoraAdapter&, int i) -> double {
        if (i == 2) throw std::runtime_error("harness crashed");
        return 1.0;
      });
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("candidate 2") && QString(e.what()).contains("harness crashed"), e.what());
    }
    QVERIFY_EXCEPTION_THROWN(rank_candidates(c, CandidateEvaluator()), Error);
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestBestOfN)
#include "test_best_of_n.moc"
