#include "app/gui/adapter_load_job.h"

#include <QThread>

#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/math/lora_stats.h"

namespace lorastudio::gui {

AdapterLoadJob* AdapterLoadJob::start(const QString& path, QObject* receiver,
                                      std::function<void(const AdapterSummary&)> on_finished,
                                      std::function<void(const QString&)> on_failed) {
  qRegisterMetaType<lorastudio::gui::AdapterSummary>();
  auto* job = new AdapterLoadJob(path);
  QObject::connect(job, &AdapterLoadJob::finished, receiver, std::move(on_finished), Qt::QueuedConnection);
  QObject::connect(job, &AdapterLoadJob::failed, receiver, std::move(on_failed), Qt::QueuedConnection);
  QThread* thread = QThread::create([job] { job->run(); });
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
    const auto stats = adapter_stats(loaded.adapter, 4);
    AdapterSummary s;
    s.path = path_;
    s.format = QString::fromUtf8(format_name(loaded.format));
    for (size_t i = 0; i < loaded.adapter.modules.size(); ++i) {
      const auto& m = loaded.adapter.modules[i];
      widgets::ModuleRow row;
      row.name = QString::fromStdString(module_key(m));
      row.rank = static_cast<int>(m.rank());
      row.alpha = m.alpha;
      row.in_features = static_cast<int>(m.in_channels());
      for (int64_t k : m.kernel_size) row.kernel += (row.kernel.isEmpty() ? QString() : QStringLiteral("×")) + QString::number(k);
      row.out_features = static_cast<int>(m.out_features());
      row.delta_norm = stats[i].frobenius;
      for (double v : stats[i].singular_values) row.singular_values << v;
      row.effective_rank = stats[i].effective_rank;
      s.modules << row;
    }
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
