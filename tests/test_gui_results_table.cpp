// The results table widget: one row per candidate, numeric sorting (a text sort would put 9.5 above 31.2;
// unknown values sort below every number), selection by id survives new rows and sorting, and a click
// emits candidate_selected with the candidate's id.
#include <QtTest/QtTest>

#include <cmath>

#include <QSignalSpy>

#include "tests/support/test_main.h"
#include "widgets/results_table.h"

using lorastudio::widgets::CandidateRowView;
using lorastudio::widgets::ResultsTable;

namespace {

CandidateRowView row(int id, double score, int rank, double ratio = 1.0) {
  CandidateRowView r;
  r.id = id;
  r.name = QStringLiteral("c%1").arg(id);
  r.condition = QStringLiteral("sepia");
  r.score = score;
  r.rank = rank;
  r.nearest = 0.1 * id;
  r.nearest_task = QStringLiteral("sepia");
  r.spread_ratio = ratio;
  r.copy = ratio < 0.5;
  r.beats_original = score > 30;
  r.beats_soup = -1;
  return r;
}

}  // namespace

class TestGuiResultsTable : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void sorts_numbers_as_numbers() {
    ResultsTable table;
    table.set_rows({row(0, 9.5, 3), row(1, 31.2, 1), row(2, std::nan(""), 0), row(3, 12.0, 2, 0.2)});
    QCOMPARE(table.row_count(), 4);
    table.sortByColumn(1, Qt::DescendingOrder);
    QCOMPARE(table.cell_text(0, 0), QStringLiteral("c1"));
    QCOMPARE(table.cell_text(1, 0), QStringLiteral("c3"));
    QCOMPARE(table.cell_text(2, 0), QStringLiteral("c0"));
    QCOMPARE(table.cell_text(3, 0), QStringLiteral("c2"));  // no score: last
    QCOMPARE(table.cell_text(3, 1), QStringLiteral("–"));
    QVERIFY(table.cell_text(1, 5).contains(QStringLiteral("copy")));
    QCOMPARE(table.cell_text(0, 6), QStringLiteral("yes"));
    QCOMPARE(table.cell_text(0, 7), QStringLiteral("–"));
  }

  void selection_follows_the_candidate() {
    ResultsTable table;
    QSignalSpy selected(&table, &ResultsTable::candidate_selected);
    table.set_rows({row(0, 9.5, 2), row(1, 31.2, 1)});
    table.select_id(1);
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.first().first().toInt(), 1);
    table.set_rows({row(0, 9.5, 2), row(1, 31.2, 1), row(2, 40.0, 1)});  // a new generation arrives
    QCOMPARE(table.selected_id(), 1);
    table.sortByColumn(1, Qt::AscendingOrder);
    QCOMPARE(table.selected_id(), 1);
    table.selectRow(0);  // a click on the lowest score
    QCOMPARE(selected.last().first().toInt(), 0);
  }
};

LORASTUDIO_GUI_TEST_MAIN(TestGuiResultsTable)
#include "test_gui_results_table.moc"
