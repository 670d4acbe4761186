#include "widgets/results_table.h"

#include <cmath>

#include <QHeaderView>

#include "widgets/table_fill.h"

namespace lorastudio::widgets {
namespace {

enum Column { Name, Score, Rank, Nearest, NearestTask, SpreadRatio, BeatsOriginal, BeatsSoup, Columns };

// Sorts by the number in Qt::UserRole (NaN below every number), shows the text.
class NumberItem : public QTableWidgetItem {
 public:
  NumberItem(double value, const QString& text) : QTableWidgetItem(text) {
    setData(Qt::UserRole, value);
    setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  }
  bool operator<(const QTableWidgetItem& other) const override {
    const auto key = [](const QTableWidgetItem& i) {
      const double v = i.data(Qt::UserRole).toDouble();
      return std::isnan(v) ? -std::numeric_limits<double>::infinity() : v;
    };
    return key(*this) < key(other);
  }
};

QString number_text(double v, int decimals) { return std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'f', decimals); }

QString verdict_text(int beats) { return beats < 0 ? QStringLiteral("–") : beats ? QStringLiteral("yes") : QStringLiteral("no"); }

}  // namespace

ResultsTable::ResultsTable(QWidget* parent) : QTableWidget(parent) {
  setColumnCount(Columns);
  setHorizontalHeaderLabels({tr("Candidate"), tr("Score"), tr("Rank"), tr("Nearest ckpt"), tr("Nearest task"),
                             tr("÷ spread"), tr("> best orig."), tr("> soup")});
  horizontalHeaderItem(Nearest)->setToolTip(tr("Distance to the nearest training checkpoint, any task (latent space)"));
  horizontalHeaderItem(SpreadRatio)->setToolTip(
      tr("Distance to the nearest checkpoint of its own task ÷ the task's median spread: ≈1 new, <0.5 a copy"));
  horizontalHeaderItem(BeatsOriginal)->setToolTip(tr("Scores higher than the task's best training checkpoint"));
  horizontalHeaderItem(BeatsSoup)->setToolTip(tr("Scores higher than the ΔW soup of the task's checkpoints"));
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSortingEnabled(true);
  verticalHeader()->hide();
  verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  horizontalHeader()->setSectionResizeMode(Name, QHeaderView::Stretch);
  setAlternatingRowColors(true);
  connect(this, &QTableWidget::itemSelectionChanged, this, [this] {
    const int id = selected_id();
    if (id >= 0) Q_EMIT candidate_selected(id);
  });
}

void ResultsTable::set_score_name(const QString& name) { horizontalHeaderItem(Score)->setToolTip(name); }

void ResultsTable::set_rows(const QVector<CandidateRowView>& rows) {
  const int keep = selected_id();
  const QSignalBlocker block(this);
  {
  const TableFill fill(this);
  setRowCount(rows.size());
  for (int r = 0; r < rows.size(); ++r) {
    const auto& c = rows[r];
    auto* name = new QTableWidgetItem(c.name);
    name->setData(Qt::UserRole, c.id);
    name->setToolTip(tr("%1 — generated for %2").arg(c.name, c.condition));
    setItem(r, Name, name);
    setItem(r, Score, new NumberItem(c.score, number_text(c.score, 2)));
    setItem(r, Rank, new NumberItem(c.rank > 0 ? c.rank : std::nan(""), c.rank > 0 ? QString::number(c.rank) : QStringLiteral("–")));
    setItem(r, Nearest, new NumberItem(c.nearest, number_text(c.nearest, 3)));
    setItem(r, NearestTask, new QTableWidgetItem(c.nearest_task));
    auto* ratio = new NumberItem(c.spread_ratio, number_text(c.spread_ratio, 2) + (c.copy ? tr("  copy") : QString()));
    if (c.copy) ratio->setForeground(QColor(190, 40, 40));
    setItem(r, SpreadRatio, ratio);
    setItem(r, BeatsOriginal, new NumberItem(c.beats_original, verdict_text(c.beats_original)));
    setItem(r, BeatsSoup, new NumberItem(c.beats_soup, verdict_text(c.beats_soup)));
  }
  }  // the columns measured once, sorted
  if (keep >= 0) select_id(keep);
}

int ResultsTable::selected_id() const {
  const auto rows = selectionModel()->selectedRows(Name);
  return rows.isEmpty() ? -1 : rows.front().data(Qt::UserRole).toInt();
}

void ResultsTable::select_id(int id) {
  for (int r = 0; r < rowCount(); ++r)
    if (item(r, Name)->data(Qt::UserRole).toInt() == id) {
      selectRow(r);
      return;
    }
}

QString ResultsTable::cell_text(int row, int column) const {
  const auto* i = item(row, column);
  return i ? i->text() : QString();
}

}  // namespace lorastudio::widgets
