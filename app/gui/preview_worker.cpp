#include "app/gui/preview_worker.h"

#include "app/gui/preview_bars.h"
#include "app/gui/worker_thread.h"

#include <QFileInfo>
#include <QFont>
#include <QPainter>
#include <QSaveFile>
#include <QStringList>

namespace lorastudio::gui {

QImage to_qimage(const PreviewImage& image) {
  if (image.empty()) return {};
  if (!image.bars.empty()) return draw_preview_bars(image.bars);
  return QImage(image.rgb->data(), image.width, image.height, image.width * 3, QImage::Format_RGB888).copy();
}

PreviewWorker::PreviewWorker(std::unique_ptr<PreviewProvider> provider, QObject* parent)
    : QObject(parent), provider_(std::move(provider)) {
  title_ = QString::fromStdString(provider_->title());
  for (const auto& s : provider_->subjects()) subjects_ << QString::fromStdString(s);
  thread_ = std::thread([this] {
    lower_this_thread_priority();
    loop();
  });
}

PreviewWorker::~PreviewWorker() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

QString PreviewWorker::title() const { return title_; }
QStringList PreviewWorker::subjects() const { return subjects_; }

int PreviewWorker::rendered() const {
  const std::lock_guard lock(mutex_);
  return rendered_;
}

void PreviewWorker::request(std::shared_ptr<const LoraAdapter> a, std::shared_ptr<const LoraAdapter> b, double lambda,
                            int subject, bool draft) {
  {
    const std::lock_guard lock(mutex_);
    preview_ = Job{std::move(a), std::move(b), lambda, subject, draft};
  }
  wake_.notify_one();
}

void PreviewWorker::request_sheet(std::shared_ptr<const LoraAdapter> a, std::shared_ptr<const LoraAdapter> b, int subject,
                                  int steps, const QString& path, const QString& heading) {
  {
    const std::lock_guard lock(mutex_);
    sheet_ = Job{std::move(a), std::move(b), 0, subject, false, std::max(2, steps), path, heading};
  }
  wake_.notify_one();
}

void PreviewWorker::loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || preview_ || sheet_; });
      if (stop_) return;
      if (preview_) {  // the latest λ first: the user is looking at it
        job = std::move(*preview_);
        preview_.reset();
      } else {
        job = std::move(*sheet_);
        sheet_.reset();
      }
    }
    try {
      if (job.sheet_steps > 0) render_sheet(job);
      else render(job);
    } catch (const std::exception& e) {
      Q_EMIT failed(QString::fromUtf8(e.what()));
    }
  }
}

void PreviewWorker::render(const Job& job) {
  const PreviewImage image =
      provider_->render(job.a, job.b, job.lambda, job.subject, job.draft ? PreviewQuality::Draft : PreviewQuality::Full);
  {
    const std::lock_guard lock(mutex_);
    ++rendered_;
  }
  Q_EMIT preview_ready(to_qimage(image), QString::fromStdString(image.caption), job.lambda, job.draft);
}

// Tiles in one row, each captioned below, a heading above; drawn with QPainter on a QImage (any thread).
void PreviewWorker::render_sheet(const Job& job) {
  QVector<QImage> tiles;
  QStringList captions;
  for (int i = 0; i < job.sheet_steps; ++i) {
    const double lambda = static_cast<double>(i) / (job.sheet_steps - 1);
    const PreviewImage image = provider_->render(job.a, job.b, lambda, job.subject, PreviewQuality::Full);
    tiles << to_qimage(image);
    captions << QString::fromStdString(image.caption);
  }
  const int w = tiles.front().width(), h = tiles.front().height(), gap = 8, caption_h = 36, heading_h = 30;
  QImage sheet(gap + tiles.size() * (w + gap), heading_h + h + caption_h + gap, QImage::Format_RGB888);
  sheet.fill(QColor(250, 250, 250));
  QPainter painter(&sheet);
  QFont font = painter.font();
  font.setPixelSize(13);
  painter.setFont(font);
  painter.setPen(QColor(30, 30, 30));
  painter.drawText(QRect(gap, 0, sheet.width() - 2 * gap, heading_h), Qt::AlignVCenter | Qt::AlignLeft, job.heading);
  font.setPixelSize(11);
  painter.setFont(font);
  for (int i = 0; i < tiles.size(); ++i) {
    const int x = gap + i * (w + gap);
    painter.drawImage(QRect(x, heading_h, w, h), tiles[i]);
    painter.drawText(QRect(x, heading_h + h + 2, w, caption_h), Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap,
                     captions[i].replace(QStringLiteral(" · "), QStringLiteral("\n")));
  }
  painter.end();
  QSaveFile file(job.path);  // a temporary name, renamed into place on commit
  const QByteArray format = QFileInfo(job.path).suffix().toLower() == QStringLiteral("jpg") ? "JPEG" : "PNG";
  if (!file.open(QIODevice::WriteOnly) || !sheet.save(&file, format.constData()) || !file.commit())
    throw std::runtime_error((job.path + QStringLiteral(": could not be written")).toStdString());
  Q_EMIT sheet_saved(job.path);
}

}  // namespace lorastudio::gui
