// The interpolation panel: dragging the slider asks for draft previews, releasing it (or a keyboard step)
// for a full one, at the λ shown; A and B persist across new adapter lists; the contact sheet asks for the
// chosen ends and step count; previews and messages show.
#include <QtTest/QtTest>

#include <QSignalSpy>
#include <QPushButton>
#include <QSlider>

#include "tests/support/test_main.h"
#include "widgets/interpolation_panel.h"

using lorastudio::widgets::AdapterChoice;
using lorastudio::widgets::InterpolationPanel;

class TestGuiInterpolationPanel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void asks_for_drafts_while_dragging() {
    InterpolationPanel panel;
    QSignalSpy requested(&panel, &InterpolationPanel::preview_requested);
    panel.set_adapters({{4, QStringLiteral("a")}, {7, QStringLiteral("b")}, {9, QStringLiteral("c")}});
    QCOMPARE(panel.adapter_a(), 4);
    QCOMPARE(panel.adapter_b(), 9);  // the ends of the list
    requested.clear();
    auto* slider = panel.findChild<QSlider*>();
    QVERIFY(slider);
    slider->setSliderDown(true);
    slider->setValue(110);
    slider->setValue(120);
    QCOMPARE(requested.count(), 2);
    QCOMPARE(requested.last().at(2).toDouble(), 1.2);
    QCOMPARE(requested.last().at(4).toBool(), true);  // draft
    slider->setSliderDown(false);                     // released: one full preview of where it rests
    QCOMPARE(requested.last().at(4).toBool(), false);
    QCOMPARE(requested.last().at(2).toDouble(), 1.2);
    QCOMPARE(requested.last().at(0).toInt(), 4);
    QCOMPARE(requested.last().at(1).toInt(), 9);
    slider->setValue(slider->minimum());  // λ a little below 0
    QCOMPARE(panel.lambda(), InterpolationPanel::kMinLambda);
  }

  void keeps_its_ends_and_makes_sheets() {
    InterpolationPanel panel;
    panel.set_adapters({{1, QStringLiteral("a")}, {2, QStringLiteral("b")}});
    panel.set_ends(2, 1);
    panel.set_adapters({{1, QStringLiteral("a")}, {2, QStringLiteral("b")}, {3, QStringLiteral("c")}});
    QCOMPARE(panel.adapter_a(), 2);
    QCOMPARE(panel.adapter_b(), 1);
    QSignalSpy sheet(&panel, &InterpolationPanel::contact_sheet_requested);
    auto* button = panel.findChild<QPushButton*>();
    QVERIFY(button);
    button->click();
    QCOMPARE(sheet.count(), 1);
    QCOMPARE(sheet.first().at(0).toInt(), 2);
    QCOMPARE(sheet.first().at(3).toInt(), panel.sheet_steps());
  }

  void shows_previews() {
    InterpolationPanel panel;
    QVERIFY(!panel.has_preview());
    QImage image(64, 40, QImage::Format_RGB888);
    image.fill(Qt::red);
    panel.show_preview(image, QStringLiteral("λ = 0.50"));
    QVERIFY(panel.has_preview());
    QCOMPARE(panel.previews_shown(), 1);
    QCOMPARE(panel.caption(), QStringLiteral("λ = 0.50"));
    panel.show_message(QStringLiteral("nothing"));
    QVERIFY(!panel.has_preview());
  }
};

LORASTUDIO_GUI_TEST_MAIN(TestGuiInterpolationPanel)
#include "test_gui_interpolation_panel.moc"
