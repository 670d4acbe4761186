// The results table's figures (core/studio/candidate_table.h) on a synthetic atlas of two tasks: distances to
// the nearest checkpoint of any task and of the condition's task, the ratio to the task's spread with its copy
// verdict, ranks by score, and the beats-original/soup flags. Wrong variants: a candidate that copies a
// checkpoint must be called a copy, one from the other task must be named as nearest to it, and a candidate
// one spread away must not be called a copy.
#include <QtTest/QtTest>

#include <cmath>

#include <torch/torch.h>

#include "core/generator/latent_atlas.h"
#include "core/studio/candidate_table.h"
#include "core/util/error.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

namespace {

// Two tasks of 20 checkpoints each in 8 dimensions: "near" around the origin, "far" around (10, 0, …).
LatentAtlas two_task_atlas() {
  torch::manual_seed(1);
  LatentAtlas atlas;
  atlas.tasks = {"near", "far"};
  atlas.held_out = {false, false};
  auto near = torch::randn({20, 8}) * 0.1;
  auto far = torch::randn({20, 8}) * 0.1;
  far.select(1, 0) += 10;
  atlas.latents = torch::cat({near, far});
  atlas.task_index = torch::cat({torch::zeros({20}, torch::kInt64), torch::ones({20}, torch::kInt64)});
  return atlas;
}

}  // namespace

class TestCandidateTable : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void distances_and_verdicts() {
    const LatentAtlas atlas = two_task_atlas();
    const auto copy = atlas.latents[3].unsqueeze(0);                       // checkpoint 3 of "near", verbatim
    const auto other = atlas.latents[25].unsqueeze(0) + 0.01;              // next to a "far" checkpoint
    const auto centre = atlas.latents.slice(0, 0, 20).mean(0, true);       // inside "near", not on a checkpoint
    const auto candidates = torch::cat({copy, other, centre});
    const CandidateTable table = candidate_table(atlas, candidates, "near", {5.0, 9.0, 7.0}, 8.0, 6.0, "test score");
    QCOMPARE(table.task, std::string("near"));
    QVERIFY(table.task_spread > 0);
    QCOMPARE(table.rows.size(), size_t(3));

    const auto& c = table.rows[0];
    QCOMPARE(c.nearest_task, std::string("near"));
    QVERIFY(c.nearest_distance < 1e-6);
    QVERIFY(c.is_copy);
    QVERIFY(c.spread_ratio < 1e-3);

    const auto& o = table.rows[1];
    QCOMPARE(o.nearest_task, std::string("far"));       // it was generated for "near" but lies by "far"
    QVERIFY(o.own_distance > 9);
    QVERIFY(o.spread_ratio > 10);
    QVERIFY(!o.is_copy);

    const auto& m = table.rows[2];
    QCOMPARE(m.nearest_task, std::string("near"));
    QVERIFY2(!m.is_copy, qPrintable(QString::number(m.spread_ratio)));
    QVERIFY(m.nearest_distance > 0);

    // Ranks by score (9 > 7 > 5); beats best original 8 / soup 6.
    QCOMPARE(o.rank, 1);
    QCOMPARE(m.rank, 2);
    QCOMPARE(c.rank, 3);
    QVERIFY(*o.beats_original && *o.beats_soup);
    QVERIFY(!*m.beats_original && *m.beats_soup);
    QVERIFY(!*c.beats_original && !*c.beats_soup);
  }

  // A condition of one's own (not a task): distances to any task, no own-task figures or comparisons.
  void unknown_condition_and_no_scores() {
    const LatentAtlas atlas = two_task_atlas();
    const CandidateTable table = candidate_table(atlas, atlas.latents.slice(0, 18, 22) + 0.5, "", {});
    QVERIFY(table.task.empty());
    QVERIFY(std::isnan(table.task_spread));
    for (const auto& r : table.rows) {
      QVERIFY(std::isnan(r.score) && r.rank == 0);
      QVERIFY(std::isnan(r.own_distance) && std::isnan(r.spread_ratio) && !r.is_copy);
      QVERIFY(!r.beats_original && !r.beats_soup);
    }
    QCOMPARE(table.rows[0].nearest_task, std::string("near"));
    QCOMPARE(table.rows[3].nearest_task, std::string("far"));
  }

  void sizes_must_agree() {
    const LatentAtlas atlas = two_task_atlas();
    QVERIFY_THROWS_EXCEPTION(Error, candidate_table(atlas, torch::zeros({2, 7}), "near", {}));
    QVERIFY_THROWS_EXCEPTION(Error, candidate_table(atlas, torch::zeros({2, 8}), "near", {1.0}));
    QVERIFY_THROWS_EXCEPTION(Error, candidate_table(LatentAtlas{}, torch::zeros({2, 8}), "near", {}));
  }
};

LORASTUDIO_TEST_MAIN(TestCandidateTable)
#include "test_candidate_table.moc"
