#pragma once
// The studio's generated adapters: each generation's candidates get ids, names, provenance and a row in the
// results table; scoring (check photos, distances to the atlas), inspection, comparison and export run on
// worker threads and come back as queued signals. Nothing here blocks the GUI thread.
#include <map>
#include <memory>

#include <QObject>
#include <QString>
#include <QVector>

#include "app/gui/generation_job.h"
#include "core/world/world_condition.h"
#include "widgets/interpolation_panel.h"
#include "widgets/module_row.h"
#include "widgets/results_table.h"

namespace lorastudio {
class StudioWorld;
struct ConditionWalk;
}

namespace lorastudio::gui {

struct GenerationRecord {
  WorldCondition condition;  // what was generated for ("sepia", a picked image, a typed description)
  QString demo;              // the world's name
  int samples = 0, steps = 0;
  QString sampler;
  quint64 seed = 0;
  double guidance = 1.0;
  QString name() const { return QString::fromStdString(condition.name); }
};

struct ModuleCosine {
  QString module;
  double cosine = 0;
};

class CandidateStore : public QObject {
  Q_OBJECT
 public:
  explicit CandidateStore(std::shared_ptr<const StudioWorld> world, QObject* parent = nullptr);
  ~CandidateStore() override;

  // Adds a finished generation's adapters (ids follow on from earlier ones) and starts scoring them.
  QVector<int> add(const GenerationRecord& record, const GenerationOutcome& outcome);
  // A condition walk's adapters (sample 0 of each point), named by their walk weight; placed against the atlas
  // (nearest checkpoint), not scored: a blend of two conditions has no task to be scored on.
  QVector<int> add_walk(const QString& from, const QString& to, const QString& demo, const ConditionWalk& walk);
  std::shared_ptr<const LoraAdapter> adapter(int id) const;  // null for an unknown id
  QString name(int id) const;
  QVector<widgets::CandidateRowView> rows() const;
  QVector<widgets::AdapterChoice> choices() const;
  QString score_name() const { return score_name_; }
  int size() const { return static_cast<int>(entries_.size()); }
  int scoring() const { return scoring_; }  // generations still being scored

  void inspect(int id);                                   // → inspected
  void compare(int a, int b);                             // → compared
  void export_adapter(int id, const QString& format, const QString& path);  // → exported

 Q_SIGNALS:
  void changed();
  void scored();
  void inspected(int id, const QVector<lorastudio::widgets::ModuleRow>& modules);
  void compared(int a, int b, const QVector<lorastudio::gui::ModuleCosine>& cosines, double mean);
  void exported(const QString& path, const QString& notes);
  void failed(const QString& message);

 private:
  struct Entry {
    std::shared_ptr<const LoraAdapter> adapter;
    widgets::CandidateRowView row;
  };
  // `place_only`: the nearest checkpoints alone, no score (a condition walk's blends).
  void score(QVector<int> ids, GenerationOutcome outcome, WorldCondition condition, bool place_only = false);
  template <typename Work> void run_async(Work work);

  std::shared_ptr<const StudioWorld> world_;
  std::map<int, Entry> entries_;
  int next_id_ = 0, generations_ = 0, scoring_ = 0;
  QString score_name_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // workers check it before calling back
};

}  // namespace lorastudio::gui

Q_DECLARE_METATYPE(lorastudio::gui::ModuleCosine)
