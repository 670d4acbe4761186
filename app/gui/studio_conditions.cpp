// The studio's conditions of one's own: in an image world a style image picked, dropped on the window or pasted,
// in a text world a typed task description with few-shot examples; either becomes a condition (it decodes with
// the generator's global statistics).
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QImage>
#include <QListWidget>
#include <QComboBox>
#include <QFontMetrics>
#include <QGroupBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <QMimeData>
#include <QPixmap>
#include <QSaveFile>
#include <QUrl>

#include "app/gui/demo_content.h"
#include "app/gui/studio_window.h"
#include "core/util/xdg_paths.h"
#include "core/world/studio_world.h"

namespace lorastudio::gui {

void StudioWindow::pick_image() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Pick a style image"), QString(),
                                                    tr("Images (*.png *.jpg *.jpeg *.bmp *.ppm)"));
  if (!path.isEmpty()) add_image_condition(path);
}

bool StudioWindow::add_image_condition(const QString& path) {
  if (!demo_) return false;
  if (demo_->kind != ConditionKind::Image) {
    show_error(tr("%1: this demo takes task descriptions, not images").arg(path));
    return false;
  }
  const QImage image(path);
  if (image.isNull()) {
    show_error(tr("%1: not an image this build can read").arg(path));
    return false;
  }
  WorldCondition c;
  c.name = QFileInfo(path).completeBaseName().toStdString();
  c.group = tr("your image").toStdString();
  c.image = path.toStdString();
  c.held_out = c.own = true;
  add_own_condition(c, image.scaled(40, 40, Qt::KeepAspectRatio, Qt::SmoothTransformation));
  return true;
}

bool StudioWindow::add_text_condition(const QString& description, const QStringList& examples) {
  if (!demo_) return false;
  const QString text = description.simplified();
  if (demo_->kind != ConditionKind::Text) {
    show_error(tr("This demo takes style images, not task descriptions"));
    return false;
  }
  if (text.isEmpty()) {
    show_error(tr("Describe the task first (the examples are optional)"));
    return false;
  }
  WorldCondition c;
  int n = 1;
  while (demo_->condition(tr("yours %1").arg(n))) ++n;
  c.name = tr("yours %1").arg(n).toStdString();
  c.group = tr("your descriptions").toStdString();
  c.text = text.toStdString();
  for (const QString& e : examples)
    if (!e.trimmed().isEmpty()) c.examples.push_back(e.trimmed().toStdString());
  c.held_out = c.own = true;
  add_own_condition(c, QImage());
  return true;
}

// A condition of one's own joins the demo's (a copy of the content: workers may hold the old one), the list,
// "walk to" and, once, its group in the scene. The same image or description again selects the one there.
void StudioWindow::add_own_condition(const WorldCondition& condition, const QImage& thumbnail) {
  for (const auto& c : demo_->conditions)
    if (c.world.own && c.world.image == condition.image && c.world.text == condition.text &&
        c.world.examples == condition.examples) {
      select_condition(c.name);
      return;
    }
  WorldCondition unique = condition;
  for (int n = 2; demo_->condition(QString::fromStdString(unique.name)); ++n) unique.name = condition.name + " " + std::to_string(n);
  auto content = std::make_shared<DemoContent>(*demo_);
  const QString name = QString::fromStdString(unique.name), group = QString::fromStdString(unique.group);
  content->conditions.push_back({unique, name, group, thumbnail});
  demo_ = content;
  if (!families_.contains(group)) {
    families_ << group;
    scene_.groups.push_back({group, QColor(40, 40, 40)});
  }
  add_condition_item(unique, thumbnail);
  conditions_->setCurrentRow(conditions_->count() - 1);
}

// The text world's editor: a description and its examples; picking a task of the demo fills it in, so a
// variant of a task's description is one edit away.
QWidget* StudioWindow::build_description_box(QWidget* parent) {
  description_box_ = new QGroupBox(tr("Describe a task"), parent);
  auto* layout = new QVBoxLayout(description_box_);
  description_ = new QLineEdit(description_box_);
  description_->setPlaceholderText(tr("What should the adapter do?"));
  examples_ = new QPlainTextEdit(description_box_);
  examples_->setPlaceholderText(tr("Few-shot examples, one a line (optional)"));
  examples_->setFixedHeight(QFontMetrics(examples_->font()).lineSpacing() * 3 + 12);
  auto* add = new QPushButton(tr("Use this description"), description_box_);
  add->setToolTip(tr("Add the description and its examples as a condition of your own (Ctrl+D)"));
  add->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
  layout->addWidget(description_);
  layout->addWidget(examples_);
  layout->addWidget(add);
  connect(add, &QPushButton::clicked, this, [this] {
    add_text_condition(description_->text(), examples_->toPlainText().split(QLatin1Char('\n')));
  });
  connect(description_, &QLineEdit::returnPressed, add, &QPushButton::click);
  connect(conditions_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    const auto* c = item && demo_ ? demo_->condition(item->data(Qt::UserRole).toString()) : nullptr;
    if (c && demo_->world) suggest_guidance(demo_->world->sampling_for(c->world).guidance);
    if (!c || !c->world.image.empty()) return;
    description_->setText(QString::fromStdString(c->world.text));
    description_->setCursorPosition(0);
    QStringList lines;
    for (const auto& e : c->world.examples) lines << QString::fromStdString(e);
    examples_->setPlainText(lines.join(QLatin1Char('\n')));
  });
  description_box_->hide();
  return description_box_;
}


// The world's guidance for the selected condition (the text world samples descriptions it never trained on with
// less), unless the user has set one of their own since the last suggestion.
void StudioWindow::suggest_guidance(double guidance) {
  const double shown = QString::number(guidance, 'f', guidance_->decimals()).toDouble();  // as the box rounds it
  if (guidance_->value() == suggested_guidance_) guidance_->setValue(shown);
  suggested_guidance_ = shown;
  guidance_->setToolTip(tr("Classifier-free guidance: 1 = the condition alone; higher follows it more strongly. "
                           "Suggested for this condition: %1").arg(shown));
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
