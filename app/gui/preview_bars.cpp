#include "app/gui/preview_bars.h"

#include <algorithm>
#include <cmath>

#include <QFontMetrics>
#include <QPainter>

namespace lorastudio::gui {
namespace {

constexpr int kRow = 26, kMargin = 10;

// x of `v` on the track [left, right] for the axis [lo, hi].
double track_x(double v, double lo, double hi, int left, int right) {
  const double t = hi > lo ? (std::clamp(v, lo, hi) - lo) / (hi - lo) : 0.0;
  return left + t * (right - left);
}

}  // namespace

QImage draw_preview_bars(const std::vector<PreviewBar>& bars, int width) {
  QImage image(width, 2 * kMargin + kRow * static_cast<int>(bars.size()), QImage::Format_RGB888);
  image.fill(QColor(252, 252, 252));
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  QFont font = painter.font();
  font.setPixelSize(12);
  painter.setFont(font);
  const QFontMetrics metrics(font);
  int label_width = 0;
  for (const auto& b : bars) label_width = std::max(label_width, metrics.horizontalAdvance(QString::fromStdString(b.label)));
  label_width = std::min(label_width + 8, width / 3);
  QFont bold = font;
  bold.setBold(true);
  const QFontMetrics bold_metrics(bold);
  int value_width = 0;  // the widest value as drawn (bold for highlighted bars)
  for (const auto& b : bars) value_width = std::max(value_width, bold_metrics.horizontalAdvance(QString::fromStdString(b.text)) + 4);
  value_width = std::min(value_width, width / 4);
  const int left = kMargin + label_width, right = width - kMargin - value_width - 6;
  for (size_t i = 0; i < bars.size(); ++i) {
    const PreviewBar& b = bars[i];
    const int y = kMargin + static_cast<int>(i) * kRow;
    const QRect label(kMargin, y, label_width - 6, kRow);
    painter.setPen(QColor(40, 40, 40));
    painter.drawText(label, Qt::AlignVCenter | Qt::AlignRight,
                     metrics.elidedText(QString::fromStdString(b.label), Qt::ElideRight, label.width()));
    painter.fillRect(QRect(left, y + 6, right - left, kRow - 12), QColor(232, 234, 238));
    const double zero = track_x(0.0, b.lo, b.hi, left, right), at = track_x(b.value, b.lo, b.hi, left, right);
    const QColor fill = b.highlight ? QColor(200, 80, 40) : QColor(90, 120, 170);
    painter.fillRect(QRectF(std::min(zero, at), y + 6, std::abs(at - zero), kRow - 12), fill);
    if (b.lo < 0 && b.hi > 0) painter.fillRect(QRectF(zero - 0.5, y + 3, 1, kRow - 6), QColor(120, 120, 120));
    if (std::isfinite(b.reference)) {
      const double r = track_x(b.reference, b.lo, b.hi, left, right);
      painter.fillRect(QRectF(r - 1, y + 2, 2, kRow - 4), QColor(30, 30, 30));
    }
    painter.setFont(b.highlight ? bold : font);
    painter.drawText(QRect(right + 6, y, value_width, kRow), Qt::AlignVCenter | Qt::AlignLeft, QString::fromStdString(b.text));
    painter.setFont(font);
  }
  return image;
}

}  // namespace lorastudio::gui
