#pragma once
// The studio's results: every generated candidate with its score, rank, distance to the nearest training
// checkpoint, ratio to the task's spread (the memorisation report) and whether it beats the task's best
// original checkpoint and its soup. Sortable by any column; selecting a row selects the candidate.
#include <limits>

#include <QString>
#include <QTableWidget>
#include <QVector>

namespace lorastudio::widgets {

struct CandidateRowView {
  int id = -1;                    // the studio's adapter id
  QString name;                   // "sepia #3"
  QString condition;              // the condition it was generated for
  double score = std::numeric_limits<double>::quiet_NaN();
  int rank = 0;                   // within its generation; 0 unscored
  double nearest = 0;             // distance to the nearest training checkpoint
  QString nearest_task;
  double spread_ratio = std::numeric_limits<double>::quiet_NaN();  // own-task distance / the task's spread
  bool copy = false;
  int beats_original = -1, beats_soup = -1;  // 1 yes, 0 no, -1 unknown
};

class ResultsTable : public QTableWidget {
  Q_OBJECT
 public:
  explicit ResultsTable(QWidget* parent = nullptr);
  void set_rows(const QVector<CandidateRowView>& rows);
  void set_score_name(const QString& name);  // the score column's tool tip
  int selected_id() const;                   // -1 when none
  void select_id(int id);
  int row_count() const { return rowCount(); }
  QString cell_text(int row, int column) const;

 Q_SIGNALS:
  void candidate_selected(int id);
};

}  // namespace lorastudio::widgets
