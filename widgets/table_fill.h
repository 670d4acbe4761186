#pragma once
// Filling a QTableWidget whose columns size to their contents: with ResizeToContents active, every setItem()
// makes the header measure whole columns again (quadratic in the rows: tens of milliseconds on the GUI thread for
// a few dozen rows). While a TableFill lives the columns keep their widths, sorting is off and nothing repaints;
// at its end the columns are measured once, sorting is back on (and sorts), and the table repaints once.
#include <QHeaderView>
#include <QTableWidget>
#include <QVector>

namespace lorastudio::widgets {

class TableFill {
 public:
  explicit TableFill(QTableWidget* table) : table_(table) {
    QHeaderView* header = table_->horizontalHeader();
    for (int c = 0; c < header->count(); ++c) {
      modes_ << header->sectionResizeMode(c);
      if (modes_.back() == QHeaderView::ResizeToContents) header->setSectionResizeMode(c, QHeaderView::Interactive);
    }
    table_->setUpdatesEnabled(false);
    table_->setSortingEnabled(false);
  }
  ~TableFill() {
    QHeaderView* header = table_->horizontalHeader();
    for (int c = 0; c < modes_.size() && c < header->count(); ++c) header->setSectionResizeMode(c, modes_[c]);
    table_->setSortingEnabled(true);
    table_->setUpdatesEnabled(true);
  }
  TableFill(const TableFill&) = delete;
  TableFill& operator=(const TableFill&) = delete;

 private:
  QTableWidget* table_;
  QVector<QHeaderView::ResizeMode> modes_;
};

}  // namespace lorastudio::widgets
