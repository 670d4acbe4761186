#pragma once
// Loads an adapter and computes its per-module statistics off the GUI thread; hands the result
// (plain, immutable CPU data) to the GUI through a queued signal.
#include <functional>

#include <QObject>
#include <QString>
#include <QVector>

#include "widgets/module_row.h"

namespace lorastudio::gui {

struct AdapterSummary {
  QString path;
  QString format;
  QString description;  // a few lines for the status area
  QVector<widgets::ModuleRow> modules;
};

class AdapterLoadJob : public QObject {
  Q_OBJECT
 public:
  // Starts the work on a new thread; exactly one of the two callbacks runs, queued on `receiver`'s thread, then
  // the job deletes itself. The callbacks are connected before the thread starts, so a failure that comes
  // at once is never lost.
  static AdapterLoadJob* start(const QString& path, QObject* receiver,
                               std::function<void(const lorastudio::gui::AdapterSummary&)> on_finished,
                               std::function<void(const QString&)> on_failed);

 Q_SIGNALS:
  void finished(const lorastudio::gui::AdapterSummary& summary);
  void failed(const QString& message);

 private:
  explicit AdapterLoadJob(QString path) : path_(std::move(path)) {}
  void run();
  QString path_;
};

}  // namespace lorastudio::gui

Q_DECLARE_METATYPE(lorastudio::gui::AdapterSummary)
