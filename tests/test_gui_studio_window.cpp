// The studio on the embedded style demo: it opens at once and loads in the background, embeds the atlas of
// training checkpoints live, generates with progress, streams every sampling step into the trajectory view,
// and the GUI thread never stalls longer than 50 ms meanwhile (a watchdog timer measures it).
#include <QtTest/QtTest>

#include <QElapsedTimer>
#include <QSignalSpy>

#include "app/gui/studio_window.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"
#include "widgets/trajectory_view.h"

using lorastudio::gui::StudioWindow;

namespace {

// Ticks every 5 ms on the GUI thread and records the longest gap between two ticks beyond the period.
class StallWatchdog : public QObject {
 public:
  StallWatchdog() {
    timer_.setInterval(5);
    connect(&timer_, &QTimer::timeout, this, [this] {
      if (clock_.isValid()) worst_ = std::max(worst_, clock_.nsecsElapsed() / 1e6 - 5.0);
      clock_.restart();
    });
    timer_.start();
  }
  double worst_ms() const { return worst_; }

 private:
  QTimer timer_;
  QElapsedTimer clock_;
  double worst_ = 0;
};

}  // namespace

class TestGuiStudioWindow : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void generatesOnTheDemoWithoutStalling() {
    QElapsedTimer opened;
    opened.start();
    StudioWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    StallWatchdog watchdog;
    QSignalSpy loaded(&window, &StudioWindow::demo_loaded), settled(&window, &StudioWindow::embedding_settled),
        finished(&window, &StudioWindow::generation_finished), failed(&window, &StudioWindow::failed);
    window.open_demo(QString::fromStdString(lorastudio::test::project_path("models/demo/style-procedural")));
    QVERIFY(loaded.wait(20000));
    qInfo("demo usable after %lld ms", static_cast<long long>(opened.elapsed()));
    QVERIFY(window.condition_count() >= 38);
    auto* view = window.trajectory_view();
    const int atlas = view->scene().points.size();
    QVERIFY(atlas > 100);
    QVERIFY(settled.wait(60000));
    QCOMPARE(view->shown_points(), atlas);
    window.select_condition(QStringLiteral("sepia"));
    window.generate();
    QVERIFY(window.busy());
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toBool(), false);  // not cancelled
    QVERIFY(!view->highlighted_points().isEmpty());     // the condition's own checkpoints are ringed
    QTRY_VERIFY_WITH_TIMEOUT(settled.count() >= 2, 60000);
    QCOMPARE(view->shown_points(), view->scene().points.size());  // every step of every sample embedded
    QCOMPARE(view->scene().points.size(), atlas + 6 * 25);
    QCOMPARE(failed.count(), 0);
    qInfo("worst GUI-thread stall: %.1f ms", watchdog.worst_ms());
    QVERIFY2(watchdog.worst_ms() < 50, qPrintable(QString::number(watchdog.worst_ms())));
  }

  void aMissingDemoIsReportedInTheWindow() {
    StudioWindow window;
    QSignalSpy failed(&window, &StudioWindow::failed);
    window.open_demo(QStringLiteral("/nonexistent/demo"));
    QVERIFY(failed.wait(10000));
    QVERIFY(failed.first().first().toString().contains(QStringLiteral("/nonexistent/demo")));
  }
};

LORASTUDIO_GUI_TEST_MAIN(TestGuiStudioWindow)
#include "test_gui_studio_window.moc"
