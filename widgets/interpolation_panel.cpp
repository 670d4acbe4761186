#include "widgets/interpolation_panel.h"

#include <cmath>

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

namespace lorastudio::widgets {

namespace {
constexpr int kTicks = 100;  // slider units per unit of λ
}

InterpolationPanel::InterpolationPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  a_ = new QComboBox(this);
  b_ = new QComboBox(this);
  subject_ = new QComboBox(this);
  a_->setToolTip(tr("λ = 0"));
  b_->setToolTip(tr("λ = 1"));
  form->addRow(tr("A"), a_);
  form->addRow(tr("B"), b_);
  form->addRow(tr("Preview on"), subject_);
  layout->addLayout(form);
  auto* row = new QHBoxLayout;
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setRange(static_cast<int>(std::lround(kMinLambda * kTicks)), static_cast<int>(std::lround(kMaxLambda * kTicks)));
  slider_->setTickPosition(QSlider::TicksBelow);
  slider_->setTickInterval(25);
  slider_->setToolTip(tr("λ: 0 is A, 1 is B; a little beyond either end extrapolates"));
  lambda_label_ = new QLabel(this);
  lambda_label_->setMinimumWidth(64);
  row->addWidget(new QLabel(QStringLiteral("λ"), this));
  row->addWidget(slider_, 1);
  row->addWidget(lambda_label_);
  layout->addLayout(row);
  title_ = new QLabel(this);
  title_->setStyleSheet(QStringLiteral("color: #555"));
  layout->addWidget(title_);
  image_ = new QLabel(this);
  image_->setAlignment(Qt::AlignCenter);
  image_->setMinimumSize(160, 110);
  image_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  layout->addWidget(image_, 1);
  caption_ = new QLabel(this);
  caption_->setWordWrap(true);
  caption_->setAlignment(Qt::AlignCenter);
  layout->addWidget(caption_);
  auto* sheet_row = new QHBoxLayout;
  sheet_steps_ = new QSpinBox(this);
  sheet_steps_->setRange(3, 15);
  sheet_steps_->setValue(7);
  sheet_steps_->setSuffix(tr(" steps"));
  sheet_ = new QPushButton(tr("Contact sheet…"), this);
  sheet_->setToolTip(tr("Save a strip of λ steps from A to B as one image"));
  sheet_row->addWidget(sheet_steps_);
  sheet_row->addWidget(sheet_, 1);
  layout->addLayout(sheet_row);

  connect(slider_, &QSlider::valueChanged, this, [this] { request(slider_->isSliderDown()); });
  connect(slider_, &QSlider::sliderReleased, this, [this] { request(false); });
  for (QComboBox* box : {a_, b_, subject_})
    connect(box, QOverload<int>::of(&QComboBox::currentIndexChanged), this, [this] { request(false); });
  connect(sheet_, &QPushButton::clicked, this, [this] {
    if (adapter_a() >= 0 && adapter_b() >= 0) Q_EMIT contact_sheet_requested(adapter_a(), adapter_b(), subject(), sheet_steps());
  });
  set_lambda(0.5);
  show_message(tr("Generate adapters, then pick two to slide between"));
  update_enabled();
}

void InterpolationPanel::set_adapters(const QVector<AdapterChoice>& adapters) {
  const int a = adapter_a(), b = adapter_b();
  {
    const QSignalBlocker block_a(a_), block_b(b_);
    a_->clear();
    b_->clear();
    for (const auto& c : adapters) {
      a_->addItem(c.name, c.id);
      b_->addItem(c.name, c.id);
    }
    if (a >= 0 && a_->findData(a) >= 0) a_->setCurrentIndex(a_->findData(a));
    if (b >= 0 && b_->findData(b) >= 0) b_->setCurrentIndex(b_->findData(b));
    else if (b_->count() > 1) b_->setCurrentIndex(b_->count() - 1);
  }
  update_enabled();
  request(false);
}

void InterpolationPanel::set_preview_kind(const QString& title, const QStringList& subjects) {
  title_->setText(title);
  const QSignalBlocker block(subject_);
  subject_->clear();
  subject_->addItems(subjects);
}

void InterpolationPanel::set_ends(int a, int b) {
  {
    const QSignalBlocker block_a(a_), block_b(b_);
    if (a_->findData(a) >= 0) a_->setCurrentIndex(a_->findData(a));
    if (b_->findData(b) >= 0) b_->setCurrentIndex(b_->findData(b));
  }
  request(false);
}

void InterpolationPanel::set_lambda(double lambda, bool dragging) {
  const QSignalBlocker block(slider_);
  slider_->setValue(static_cast<int>(std::lround(lambda * kTicks)));
  request(dragging);
}

void InterpolationPanel::request(bool draft) {
  lambda_label_->setText(QStringLiteral("%1").arg(lambda(), 0, 'f', 2));
  if (adapter_a() < 0 || adapter_b() < 0) return;
  Q_EMIT preview_requested(adapter_a(), adapter_b(), lambda(), subject(), draft);
}

void InterpolationPanel::update_enabled() {
  const bool ready = a_->count() > 0;
  for (QWidget* w : std::initializer_list<QWidget*>{a_, b_, subject_, slider_, sheet_, sheet_steps_}) w->setEnabled(ready);
}

void InterpolationPanel::show_preview(const QImage& image, const QString& caption) {
  preview_ = image;
  caption_->setText(caption);
  ++shown_;
  show_scaled();
}

void InterpolationPanel::show_message(const QString& message) {
  preview_ = QImage();
  image_->clear();
  caption_->setText(message);
}

void InterpolationPanel::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  show_scaled();
}

void InterpolationPanel::show_scaled() {
  if (preview_.isNull()) return;
  image_->setPixmap(QPixmap::fromImage(preview_).scaled(image_->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
}

int InterpolationPanel::adapter_a() const { return a_->currentIndex() < 0 ? -1 : a_->currentData().toInt(); }
int InterpolationPanel::adapter_b() const { return b_->currentIndex() < 0 ? -1 : b_->currentData().toInt(); }
double InterpolationPanel::lambda() const { return static_cast<double>(slider_->value()) / kTicks; }
int InterpolationPanel::subject() const { return std::max(0, subject_->currentIndex()); }
int InterpolationPanel::sheet_steps() const { return sheet_steps_->value(); }
QString InterpolationPanel::caption() const { return caption_->text(); }

}  // namespace lorastudio::widgets
