#include "app/gui/adapter_load_job.h"

#include <QThread>

#include "app/gui/worker_thread.h"

#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "app/gui/module_rows.h"

namespace lorastudio::gui {

AdapterLoadJob* AdapterLoadJob::start(const QString& path, QObject* receiver,
                                      std::function<void(const AdapterSummary&)> on_finished,
                                      std::function<void(const QString&)> on_failed) {
  qRegisterMetaType<lorastudio::gui::AdapterSummary>();
  auto* job = new AdapterLoadJob(path);
  QObject::connect(job, &AdapterLoadJob::finished, receiver, std::move(on_finished), Qt::QueuedConnection);
  QObject::connect(job, &AdapterLoadJob::failed, receiver, std::move(on_failed), Qt::QueuedConnection);
  QThread* thread = QThread::create([job] {
    lower_this_thread_priority();
    job->run();
  });
  job->moveToThread(thread);
  QObject::connect(thread, &QThread::finished, thread, &QObject::deleteLater);
  QObject::connect(thread, &QThread::finished, job, &QObject::deleteLater);
  thread->start();  // only now: everything is connected
  return job;
}

void AdapterLoadJob::run() {
  try {
    torch::NoGradGuard no_grad;  // thread-local: set in the worker
    LoadedAdapter loaded = load_adapter(path_.toStdString());
    AdapterSummary s;
    s.path = path_;
    s.format = QString::fromUtf8(format_name(loaded.format));
    s.modules = module_rows(loaded.adapter);
    s.description = QStringLiteral("%1 — %2, %3 modules, %4 parameters")
                        .arg(path_, s.format)
                        .arg(loaded.adapter.modules.size())
                        .arg(loaded.adapter.parameter_count());
    for (const auto& n : loaded.notes) s.description += QStringLiteral("\nnote: ") + QString::fromStdString(n);
    Q_EMIT finished(s);
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromUtf8(e.what()));
  }
}

}  // namespace lorastudio::gui
