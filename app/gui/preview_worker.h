#pragma once
// The interpolation panel's renderer: a thread of its own that renders through a world's PreviewProvider.
// Requests coalesce: while one renders, newer ones replace the waiting one, so a fast drag shows the latest λ
// as often as the provider can render, and never queues up stale frames. Contact sheets render λ steps at
// full quality into one image, saved atomically.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <QImage>
#include <QObject>
#include <QString>

#include "core/studio/preview_provider.h"

namespace lorastudio::gui {

QImage to_qimage(const PreviewImage& image);  // a deep copy

class PreviewWorker : public QObject {
  Q_OBJECT
 public:
  explicit PreviewWorker(std::unique_ptr<PreviewProvider> provider, QObject* parent = nullptr);
  ~PreviewWorker() override;  // finishes the frame in progress, drops the rest

  QString title() const;
  QStringList subjects() const;
  void request(std::shared_ptr<const LoraAdapter> a, std::shared_ptr<const LoraAdapter> b, double lambda, int subject,
               bool draft);
  // `steps` λ values from 0 to 1 at full quality, captioned, in one row; written to `path` (PNG/JPEG by suffix).
  void request_sheet(std::shared_ptr<const LoraAdapter> a, std::shared_ptr<const LoraAdapter> b, int subject, int steps,
                     const QString& path, const QString& heading);
  int rendered() const;  // previews rendered so far (any thread)

 Q_SIGNALS:
  void preview_ready(const QImage& image, const QString& caption, double lambda, bool draft);
  void sheet_saved(const QString& path);
  void failed(const QString& message);

 private:
  struct Job {
    std::shared_ptr<const LoraAdapter> a, b;
    double lambda = 0;
    int subject = 0;
    bool draft = true;
    int sheet_steps = 0;  // > 0: a contact sheet
    QString path, heading;
  };
  void loop();
  void render(const Job& job);
  void render_sheet(const Job& job);

  std::unique_ptr<PreviewProvider> provider_;
  QString title_;
  QStringList subjects_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Job> preview_, sheet_;
  bool stop_ = false;
  int rendered_ = 0;
  std::thread thread_;
};

}  // namespace lorastudio::gui
