#pragma once
// One way to run a piece of work off the GUI thread: `work` runs on a new thread and returns what to do with
// its result, which then runs on `receiver`'s thread, and only while `receiver` exists (a window closed
// meanwhile gets nothing, and nothing touches it). An exception from `work` goes to `on_error` the same way.
#include <functional>

#include <QObject>
#include <QString>

namespace lorastudio::gui {

using Continuation = std::function<void()>;

class CallbackRelay : public QObject {
  Q_OBJECT
 Q_SIGNALS:
  void call(const lorastudio::gui::Continuation& continuation);
};

// Called first thing on a worker thread: the thread (and the threads it starts, which inherit it) yields to
// the GUI thread when both want a core (Linux nice 10; elsewhere nothing). Background work then never holds
// the window up on a machine with few cores, and still runs at full speed when the GUI is idle.
void lower_this_thread_priority();

void run_in_worker(QObject* receiver, std::function<Continuation()> work, std::function<void(const QString&)> on_error,
                   const QString& thread_name = QStringLiteral("worker"));

}  // namespace lorastudio::gui
