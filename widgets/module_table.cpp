#include "widgets/module_table.h"

#include <QHeaderView>

#include "widgets/table_fill.h"

namespace lorastudio::widgets {
namespace {

enum Column { kName, kRank, kAlpha, kShape, kNorm, kSigma1, kEffRank, kColumnCount };

// Sorts numerically by the value kept in Qt::UserRole when there is one.
class NumericItem : public QTableWidgetItem {
 public:
  using QTableWidgetItem::QTableWidgetItem;
  bool operator<(const QTableWidgetItem& other) const override {
    const QVariant a = data(Qt::UserRole), b = other.data(Qt::UserRole);
    if (a.isValid() && b.isValid()) return a.toDouble() < b.toDouble();
    return QTableWidgetItem::operator<(other);
  }
};

QTableWidgetItem* numeric(double v, int precision = 4) {
  auto* item = new NumericItem(QString::number(v, 'g', precision));
  item->setData(Qt::UserRole, v);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

}  // namespace

ModuleTable::ModuleTable(QWidget* parent) : QTableWidget(parent) {
  setColumnCount(kColumnCount);
  setHorizontalHeaderLabels({tr("Module"), tr("Rank"), tr("Alpha"), tr("Shape"), tr("‖ΔW‖"), tr("σ₁"),
                             tr("Eff. rank")});
  horizontalHeaderItem(kShape)->setToolTip(tr("out × in, and the kernel of convolution LoRA modules (out × in × k×k)"));
  horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  horizontalHeader()->setSectionResizeMode(kName, QHeaderView::Stretch);
  verticalHeader()->setVisible(false);
  verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSortingEnabled(true);
  connect(this, &QTableWidget::itemSelectionChanged, this, [this] {
    const auto items = selectedItems();
    if (!items.isEmpty()) Q_EMIT module_selected(item(items.front()->row(), kName)->text());
  });
}

void ModuleTable::set_modules(const QVector<ModuleRow>& rows) {
  const TableFill fill(this);
  clearContents();
  setRowCount(rows.size());
  for (int r = 0; r < rows.size(); ++r) {
    const ModuleRow& m = rows[r];
    setItem(r, kName, new QTableWidgetItem(m.name));
    setItem(r, kRank, numeric(m.rank));
    setItem(r, kAlpha, numeric(m.alpha));
    auto* shape = new NumericItem(m.kernel.isEmpty() ? QStringLiteral("%1 × %2").arg(m.out_features).arg(m.in_features)
                                                    : QStringLiteral("%1 × %2 × %3")
                                                          .arg(m.out_features)
                                                          .arg(m.in_features)
                                                          .arg(m.kernel));
    shape->setData(Qt::UserRole, double(m.out_features) * m.in_features);
    setItem(r, kShape, shape);
    setItem(r, kNorm, numeric(m.delta_norm, 5));
    setItem(r, kSigma1, numeric(m.singular_values.isEmpty() ? 0.0 : m.singular_values.front(), 5));
    setItem(r, kEffRank, numeric(m.effective_rank, 3));
  }
}

void ModuleTable::clear_modules() {
  clearContents();
  setRowCount(0);
}

}  // namespace lorastudio::widgets
