#pragma once
// One generation on a worker thread for the studio: progress and every step's latents (for the trajectory
// view) come out as queued signals; cancel() stops it after the current step.
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include <QObject>
#include <QString>

#include "core/lorastudio.h"

namespace lorastudio::gui {

struct StepLatents {
  int step = 0, total = 0;
  int samples = 0;
  int64_t dims = 0;
  std::shared_ptr<const std::vector<float>> rows;  // [samples, dims]: x_t after this step, flattened
};

// A finished generation: its adapters and where sampling left each of them (the last step's latents).
struct GenerationOutcome {
  bool cancelled = false;
  double seconds = 0;
  std::shared_ptr<const std::vector<LoraAdapter>> adapters;  // empty when cancelled
  int64_t dims = 0;
  std::shared_ptr<const std::vector<float>> final_latents;  // [samples, dims]
};

class GenerationJob : public QObject {
  Q_OBJECT
 public:
  // Starts on a new thread once `connect_signals` has wired the job up (a signal sent before that would be
  // lost); the job deletes itself after finished() or failed().
  static GenerationJob* start(std::shared_ptr<api::Generator> generator, api::Condition condition,
                              api::GenerationParams params, QObject* receiver,
                              const std::function<void(GenerationJob*)>& connect_signals);
  void cancel() { cancelled_ = true; }

 Q_SIGNALS:
  void progressed(int step, int total);
  void stepped(const lorastudio::gui::StepLatents& latents);
  void finished(const lorastudio::gui::GenerationOutcome& outcome);
  void failed(const QString& message);

 private:
  GenerationJob() = default;
  void run(const std::shared_ptr<api::Generator>& generator, const api::Condition& condition,
           const api::GenerationParams& params);
  std::atomic<bool> cancelled_{false};
};

}  // namespace lorastudio::gui

Q_DECLARE_METATYPE(lorastudio::gui::StepLatents)
Q_DECLARE_METATYPE(lorastudio::gui::GenerationOutcome)
