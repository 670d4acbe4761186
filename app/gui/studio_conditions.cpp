// The studio's conditions of one's own: a style image picked, dropped on the window or pasted becomes a
// condition (it decodes with the generator's global statistics).
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QImage>
#include <QListWidget>
#include <QComboBox>
#include <QMimeData>
#include <QPixmap>
#include <QSaveFile>
#include <QUrl>

#include "app/gui/demo_content.h"
#include "app/gui/studio_window.h"
#include "core/util/xdg_paths.h"

namespace lorastudio::gui {

void StudioWindow::pick_image() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Pick a style image"), QString(),
                                                    tr("Images (*.png *.jpg *.jpeg *.bmp *.ppm)"));
  if (!path.isEmpty()) add_image_condition(path);
}

bool StudioWindow::add_image_condition(const QString& path) {
  if (!demo_) return false;
  const QImage image(path);
  if (image.isNull()) {
    show_error(tr("%1: not an image this build can read").arg(path));
    return false;
  }
  auto content = std::make_shared<DemoContent>(*demo_);
  const QString name = QFileInfo(path).completeBaseName();
  content->styles.push_back({name, tr("your image"), path, image.scaled(40, 40, Qt::KeepAspectRatio, Qt::SmoothTransformation), true});
  demo_ = content;
  if (!families_.contains(tr("your image"))) {
    families_ << tr("your image");
    scene_.groups.push_back({tr("your image"), QColor(40, 40, 40)});
  }
  auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(content->styles.back().thumbnail)), tr("%1  (your image)").arg(name));
  item->setData(Qt::UserRole, name);
  item->setToolTip(path);
  conditions_->addItem(item);
  conditions_->setCurrentItem(item);
  walk_to_->addItem(name);
  return true;
}

// The clipboard's image, written as PNG under the cache (a generation reads its condition from a file).
void StudioWindow::paste_image() {
  const QImage image = QApplication::clipboard()->image();
  if (image.isNull()) {
    show_error(tr("The clipboard holds no image"));
    return;
  }
  const QDir dir(QString::fromStdString(user_cache_dir()) + QStringLiteral("/pasted"));
  dir.mkpath(QStringLiteral("."));
  const QString path = dir.filePath(QStringLiteral("pasted-%1.png").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"))));
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
    show_error(tr("%1: could not be written").arg(path));
    return;
  }
  add_image_condition(path);
}

void StudioWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls() || event->mimeData()->hasImage()) event->acceptProposedAction();
}

void StudioWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile() && add_image_condition(url.toLocalFile())) {
      event->acceptProposedAction();
      return;
    }
}

}  // namespace lorastudio::gui
