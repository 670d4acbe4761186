// The studio window: opens an adapter off the GUI thread and shows its modules; reports failures.
#include <QtTest/QtTest>
#include <QApplication>
#include <QLabel>
#include <QSignalSpy>

#include "app/gui/main_window.h"
#include "tests/support/test_paths.h"
#include "tests/support/golden_expectations.h"
#include "widgets/module_table.h"

using namespace lorastudio;

class TestGuiMainWindow : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void opens_an_adapter() {
    const std::string dir = test::golden_path("pixart/lora_style");
    LS_REQUIRE_FILE(dir);
    gui::MainWindow w;
    QSignalSpy shown(&w, &gui::MainWindow::adapter_shown);
    w.open_adapter(QString::fromStdString(dir));
    QVERIFY(shown.wait(20000));
    auto* table = w.findChild<widgets::ModuleTable*>("module_table");
    QVERIFY(table);
    const size_t modules = test::expected_peft_adapter(dir).modules.size();
    QCOMPARE(size_t(table->rowCount()), modules);
    QVERIFY(w.findChild<QLabel*>("info")->text().contains(QString::number(modules) + " modules"));
  }

  void reports_a_broken_adapter() {
    gui::MainWindow w;
    QSignalSpy failed(&w, &gui::MainWindow::adapter_failed);
    w.open_adapter(QStringLiteral("/nonexistent/adapter"));
    QVERIFY(failed.wait(20000));
    QVERIFY(failed.front().front().toString().contains("/nonexistent/adapter"));
    QVERIFY(w.findChild<QLabel*>("info")->text().contains("no such file"));
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_GUI_TEST_MAIN(TestGuiMainWindow)
#include "test_gui_main_window.moc"
