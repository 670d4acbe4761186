#pragma once
// The set-up the studio's plot widgets share: a QCustomPlot that fills its host widget edge to edge, and a
// logarithmic value axis with log ticks (loss curves, singular-value spectra).
class QCPAxis;
class QCustomPlot;
class QWidget;

namespace lorastudio::widgets {

// Puts `plot` into `host` as its only content, without margins; returns `plot`.
QCustomPlot* fill_with_plot(QWidget* host, QCustomPlot* plot);
// A logarithmic scale with ticks at powers of ten; `powers_only`: labels as 10ⁿ without a mantissa.
void use_log_scale(QCPAxis* axis, bool powers_only = false);

}  // namespace lorastudio::widgets
