#include "app/gui/worker_thread.h"

#include <QThread>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace lorastudio::gui {

void lower_this_thread_priority() {
#if defined(__linux__)
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);  // per thread on Linux; failure is harmless
#endif
}

void run_in_worker(QObject* receiver, std::function<Continuation()> work, std::function<void(const QString&)> on_error,
                   const QString& thread_name) {
  qRegisterMetaType<lorastudio::gui::Continuation>("lorastudio::gui::Continuation");
  auto* relay = new CallbackRelay;
  // Queued onto the receiver's thread; Qt drops the connection when the receiver is destroyed.
  QObject::connect(relay, &CallbackRelay::call, receiver, [](const Continuation& c) { if (c) c(); }, Qt::QueuedConnection);
  QThread* thread = QThread::create([relay, work = std::move(work), on_error = std::move(on_error)] {
    lower_this_thread_priority();
    Continuation done;
    try {
      done = work();
    } catch (const std::exception& e) {
      const QString message = QString::fromUtf8(e.what());
      done = [on_error, message] { on_error(message); };
    }
    Q_EMIT relay->call(done);
  });
  thread->setObjectName(thread_name);
  relay->moveToThread(thread);
  QObject::connect(thread, &QThread::finished, thread, &QObject::deleteLater);
  QObject::connect(thread, &QThread::finished, relay, &QObject::deleteLater);
  thread->start();
}

}  // namespace lorastudio::gui
