#include "app/gui/generation_job.h"

#include <QThread>

#include "app/gui/worker_thread.h"

#include "core/util/error.h"

namespace lorastudio::gui {

GenerationJob* GenerationJob::start(std::shared_ptr<api::Generator> generator, api::Condition condition,
                                    api::GenerationParams params, QObject* receiver,
                                    const std::function<void(GenerationJob*)>& connect_signals) {
  qRegisterMetaType<lorastudio::gui::StepLatents>();
  qRegisterMetaType<lorastudio::gui::GenerationOutcome>();
  auto* job = new GenerationJob;
  job->moveToThread(receiver->thread());
  QThread* thread = QThread::create([job, generator, condition, params] {
    lower_this_thread_priority();
    job->run(generator, condition, params);
  });
  thread->setObjectName(QStringLiteral("generation"));
  QObject::connect(thread, &QThread::finished, thread, &QObject::deleteLater);
  QObject::connect(thread, &QThread::finished, job, &QObject::deleteLater);
  connect_signals(job);
  thread->start();
  return job;
}

void GenerationJob::run(const std::shared_ptr<api::Generator>& generator, const api::Condition& condition,
                        const api::GenerationParams& params) {
  try {
    const auto on_progress = [this](const api::Progress& p) {
      Q_EMIT progressed(p.step, p.total);
      return !cancelled_.load();
    };
    std::shared_ptr<const std::vector<float>> last;
    const auto on_preview = [this, &last](const api::Preview& p) {
      StepLatents s;
      s.step = p.step;
      s.total = p.total;
      s.samples = static_cast<int>(p.x_t.shape.at(0));
      s.dims = p.x_t.size() / std::max<int64_t>(1, p.x_t.shape.at(0));
      s.rows = std::make_shared<const std::vector<float>>(p.x_t.values.get(), p.x_t.values.get() + p.x_t.size());
      last = s.rows;
      Q_EMIT stepped(s);
      return !cancelled_.load();
    };
    const auto result = generator->generate(condition, params, on_progress, on_preview);
    GenerationOutcome outcome;
    outcome.cancelled = result.cancelled;
    outcome.seconds = result.seconds;
    if (!result.cancelled) {
      outcome.adapters = result.adapters;
      outcome.final_latents = last;
      outcome.dims = last ? static_cast<int64_t>(last->size()) / std::max<int64_t>(1, params.count) : 0;
    }
    Q_EMIT finished(outcome);
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromUtf8(e.what()));
  }
}

}  // namespace lorastudio::gui
