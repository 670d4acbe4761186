// The inspector's singular-value spectra: one line per module holding its positive singular values, a module
// highlighted by name (an unknown name highlights none).
#include <QtTest/QtTest>

#include "tests/support/test_main.h"
#include "widgets/spectrum_plot.h"

using lorastudio::widgets::ModuleRow;
using lorastudio::widgets::SpectrumPlot;

class TestGuiSpectrumPlot : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void linesPerModuleAndHighlightByName_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("expected");
    QTest::newRow("first") << "blocks.0.conv1" << 0;
    QTest::newRow("second") << "conv_in" << 1;
    QTest::newRow("unknown") << "nowhere" << -1;
  }
  void linesPerModuleAndHighlightByName() {
    QFETCH(QString, name);
    QFETCH(int, expected);
    ModuleRow a, b;
    a.name = QStringLiteral("blocks.0.conv1");
    a.singular_values = {4.0, 2.0, 0.5, 0.0};  // a zero has no place on the log axis
    b.name = QStringLiteral("conv_in");
    b.singular_values = {1.0, 0.1};
    SpectrumPlot plot;
    plot.set_modules({a, b});
    QCOMPARE(plot.line_count(), 2);
    QCOMPARE(plot.highlighted(), -1);
    plot.highlight_name(name);
    QCOMPARE(plot.highlighted(), expected);
    plot.set_modules({b});  // a new adapter clears the highlight
    QCOMPARE(plot.highlighted(), -1);
    QCOMPARE(plot.line_count(), 1);
  }
};

LORASTUDIO_GUI_TEST_MAIN(TestGuiSpectrumPlot)
#include "test_gui_spectrum_plot.moc"
