#pragma once
// Sliding between two adapters: choose A and B, drag λ (from −0.25 to 1.25: a little beyond either end), and
// the preview follows while dragging (draft requests), sharpening when the slider rests (a full request).
// What a preview is (a stylized photo, a model's answers, an image) is the provider's business: the panel
// shows an image and a caption and asks for them by adapter ids, λ and subject.
#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace lorastudio::widgets {

struct AdapterChoice {
  int id = -1;
  QString name;
};

class InterpolationPanel : public QWidget {
  Q_OBJECT
 public:
  static constexpr double kMinLambda = -0.25, kMaxLambda = 1.25;

  explicit InterpolationPanel(QWidget* parent = nullptr);
  void set_adapters(const QVector<AdapterChoice>& adapters);  // keeps A and B where they are still listed
  void set_preview_kind(const QString& title, const QStringList& subjects);
  void set_ends(int a, int b);
  void set_lambda(double lambda, bool dragging = false);      // as a drag (draft) or a rest (full) would
  void show_preview(const QImage& image, const QString& caption);
  void show_message(const QString& message);

  int adapter_a() const;
  int adapter_b() const;
  double lambda() const;
  int subject() const;
  int sheet_steps() const;
  QString caption() const;
  bool has_preview() const { return !preview_.isNull(); }
  int previews_shown() const { return shown_; }

 Q_SIGNALS:
  void preview_requested(int a, int b, double lambda, int subject, bool draft);
  void contact_sheet_requested(int a, int b, int subject, int steps);

 private:
  void request(bool draft);
  void update_enabled();
  void resizeEvent(QResizeEvent* event) override;
  void show_scaled();

  QComboBox *a_ = nullptr, *b_ = nullptr, *subject_ = nullptr;
  QSlider* slider_ = nullptr;
  QLabel *lambda_label_ = nullptr, *title_ = nullptr, *image_ = nullptr, *caption_ = nullptr;
  QSpinBox* sheet_steps_ = nullptr;
  QPushButton* sheet_ = nullptr;
  QImage preview_;
  int shown_ = 0;
};

}  // namespace lorastudio::widgets
