// The training monitor: its buttons follow the training's state, its loss curves keep one curve per stage, and
// from the studio window a generator trains on a synthetic zoo with live loss points, pauses (no step while
// paused), continues, is cancelled (its state saved), resumes to the end and writes a generator; bad input is
// reported in the window. The GUI thread never freezes meanwhile (a watchdog measures it: see test_gui_studio_window).
#include <QtTest/QtTest>

#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <cmath>
#include <filesystem>

#include "app/gui/studio_window.h"
#include "core/text/word_vectors.h"
#include "tests/support/stall_watchdog.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"
#include "widgets/loss_plot.h"
#include "widgets/training_monitor.h"

using lorastudio::gui::StudioWindow;
using lorastudio::test::StallWatchdog;
using lorastudio::widgets::LossPlot;
using lorastudio::widgets::TrainingMonitor;
using State = lorastudio::widgets::TrainingMonitor::State;

Q_DECLARE_METATYPE(State)

namespace {

QPushButton* button(TrainingMonitor& monitor, const QString& text) {
  for (auto* b : monitor.findChildren<QPushButton*>())
    if (b->text() == text) return b;
  return nullptr;
}

int points(const TrainingMonitor& monitor) {
  return monitor.loss_plot()->point_count(QStringLiteral("autoencoder")) + monitor.loss_plot()->point_count(QStringLiteral("diffusion"));
}

}  // namespace

class TestGuiTrainingMonitor : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Synthetic zoos go to a cache of the test's own, the remembered form to a test configuration.
  void initTestCase() {
    QVERIFY(cache_.isValid());
    // The user's fetched word vectors (text_task_small.json's condition) stay where they are; the rest of the cache
    // is this test's own.
    if (qEnvironmentVariableIsEmpty("LORASTUDIO_WORD_VECTORS"))
      qputenv("LORASTUDIO_WORD_VECTORS", QByteArray::fromStdString(lorastudio::text::WordVectors::cache_directory().string()));
    qputenv("XDG_CACHE_HOME", cache_.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
  }

  void buttonsFollowTheState_data() {
    QTest::addColumn<State>("state");
    QTest::addColumn<bool>("train");
    QTest::addColumn<bool>("pause");
    QTest::addColumn<bool>("cancel");
    QTest::addColumn<bool>("resume");
    QTest::addColumn<bool>("open");
    QTest::newRow("idle") << State::Idle << true << false << false << false << false;
    QTest::newRow("running") << State::Running << false << true << true << false << false;
    QTest::newRow("paused") << State::Paused << false << true << true << false << false;
    QTest::newRow("stopped") << State::Stopped << true << false << false << true << false;
    QTest::newRow("finished") << State::Finished << true << false << false << false << true;
    QTest::newRow("failed") << State::Failed << true << false << false << false << false;
  }
  void buttonsFollowTheState() {
    QFETCH(State, state);
    TrainingMonitor monitor;
    monitor.set_state(state, QStringLiteral("message"));
    QCOMPARE(monitor.state(), state);
    QFETCH(bool, train);
    QFETCH(bool, pause);
    QFETCH(bool, cancel);
    QFETCH(bool, resume);
    QFETCH(bool, open);
    QCOMPARE(button(monitor, QStringLiteral("Open in studio"))->isEnabled(), open);
    QCOMPARE(button(monitor, QStringLiteral("Train"))->isEnabled(), train);
    QCOMPARE(button(monitor, QStringLiteral("Pause"))->isEnabled(), pause);
    QCOMPARE(button(monitor, QStringLiteral("Cancel"))->isEnabled(), cancel);
    QCOMPARE(button(monitor, QStringLiteral("Resume run"))->isEnabled(), resume);
    QCOMPARE(monitor.findChild<QLineEdit*>()->isEnabled(), train);  // the form is locked while a run is active
  }

  // An output directory holding a stopped run's state offers Resume run, also in a new session.
  void aStoppedRunInTheOutputCanBeResumed() {
    QTemporaryDir dir;
    TrainingMonitor monitor;
    lorastudio::widgets::TrainingForm form;
    form.output = dir.path();
    monitor.set_form(form);
    QVERIFY(!monitor.resumable());
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("state")));
    QFile state(dir.filePath(QStringLiteral("state/state.json")));
    QVERIFY(state.open(QIODevice::WriteOnly));
    state.close();
    monitor.set_form(form);
    QVERIFY(monitor.resumable());
    QVERIFY(button(monitor, QStringLiteral("Resume run"))->isEnabled());
    monitor.set_state(State::Running);
    QVERIFY(!button(monitor, QStringLiteral("Resume run"))->isEnabled());
  }

  void lossCurvesKeepOneCurvePerStage() {
    LossPlot plot;
    QVERIFY(std::isnan(plot.last_loss(QStringLiteral("autoencoder"))));
    for (int step = 10; step <= 50; step += 10) plot.add_point(QStringLiteral("autoencoder"), step, 1.0 / step);
    plot.add_point(QStringLiteral("autoencoder"), 60, 0.0);  // no place on a log axis: dropped
    plot.add_point(QStringLiteral("autoencoder"), 70, std::nan(""));
    for (int step = 10; step <= 30; step += 10) plot.add_point(QStringLiteral("diffusion"), step, 0.5, 50);
    QCOMPARE(plot.stages(), (QStringList{QStringLiteral("autoencoder"), QStringLiteral("diffusion")}));
    QCOMPARE(plot.point_count(QStringLiteral("autoencoder")), 5);
    QCOMPARE(plot.point_count(QStringLiteral("diffusion")), 3);
    QCOMPARE(plot.last_loss(QStringLiteral("autoencoder")), 1.0 / 50);
    plot.clear();
    QCOMPARE(plot.point_count(QStringLiteral("autoencoder")), 0);
  }

  void progressShowsStageStepLossAndRate() {
    TrainingMonitor monitor;
    monitor.set_state(State::Running);
    lorastudio::widgets::TrainingProgressView p;
    p.stage = QStringLiteral("diffusion");
    p.step = 40;
    p.total = 100;
    p.offset = 100;
    p.run_total = 200;
    p.loss = 0.25;
    p.learning_rate = 1e-3;
    p.steps_per_second = 20;
    monitor.add_progress(p);
    const QString text = monitor.status_text();
    QVERIFY2(text.contains(QStringLiteral("diffusion")) && text.contains(QStringLiteral("40 of 100")) &&
                 text.contains(QStringLiteral("0.25")) && text.contains(QStringLiteral("20.0 steps/s")) &&
                 text.contains(QStringLiteral("3 s left")),
             qPrintable(text));
    QCOMPARE(monitor.loss_plot()->point_count(QStringLiteral("diffusion")), 1);
  }

  // Synthetic zoo → train → pause → continue → cancel → resume → finished, from the window.
  void trainsPausesCancelsAndResumesFromTheWindow() {
    QTemporaryDir dir;
    StudioWindow window(nullptr, false);
    window.set_configs_dir(QString::fromStdString(lorastudio::test::project_path("models/configs")));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    StallWatchdog watchdog;
    auto* monitor = window.training_monitor();
    QSignalSpy zoo_ready(&window, &StudioWindow::synthetic_zoo_ready), paused(&window, &StudioWindow::training_paused),
        finished(&window, &StudioWindow::training_finished), failed(&window, &StudioWindow::failed);
    QTest::mouseClick(button(*monitor, QStringLiteral("Synthetic")), Qt::LeftButton);
    QVERIFY(zoo_ready.wait(20000));
    auto form = monitor->form();
    QCOMPARE(form.zoo, zoo_ready.first().first().toString());
    QVERIFY2(form.zoo.startsWith(cache_.path()), qPrintable(form.zoo));  // under the user's cache (XDG)
    QVERIFY2(form.config.endsWith(QStringLiteral("text_task_small.json")), qPrintable(form.config));
    QVERIFY(!form.output.isEmpty());
    form.output = dir.filePath(QStringLiteral("generator"));
    form.ae_steps = 150;
    form.diffusion_steps = 150;
    monitor->set_form(form);

    watchdog.set_phase("training");
    QTest::mouseClick(button(*monitor, QStringLiteral("Train")), Qt::LeftButton);
    QVERIFY(window.training());
    QTRY_VERIFY_WITH_TIMEOUT(points(*monitor) >= 3, 30000);
    window.pause_training(true);
    QVERIFY(paused.wait(10000));
    QCOMPARE(monitor->state(), State::Paused);
    QTest::qWait(100);  // points reported before the pause took hold have arrived
    const int held = points(*monitor);
    QTest::qWait(500);
    QCOMPARE(points(*monitor), held);  // no step while paused
    window.pause_training(false);
    QCOMPARE(monitor->state(), State::Running);
    QTRY_VERIFY_WITH_TIMEOUT(points(*monitor) > held, 30000);
    window.cancel_training();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.last().first().toBool(), true);  // cancelled
    QCOMPARE(monitor->state(), State::Stopped);
    QVERIFY(std::filesystem::exists((form.output + QStringLiteral("/state")).toStdString()));
    QVERIFY(!std::filesystem::exists((form.output + QStringLiteral("/generator.json")).toStdString()));
    const int before_resume = points(*monitor);
    // A new run into the stopped run's directory is refused in the window's words; Resume run stays offered.
    window.train(false);
    QCOMPARE(failed.count(), 1);
    QVERIFY2(failed.last().first().toString().contains(QStringLiteral("holds a stopped training run")),
             qPrintable(failed.last().first().toString()));
    QCOMPARE(monitor->state(), State::Failed);
    QVERIFY(button(*monitor, QStringLiteral("Resume run"))->isEnabled());
    QCOMPARE(points(*monitor), before_resume);  // the curves are kept

    QTest::mouseClick(button(*monitor, QStringLiteral("Resume run")), Qt::LeftButton);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.last().first().toBool(), false);
    QCOMPARE(monitor->state(), State::Finished);
    QCOMPARE(failed.count(), 1);
    QVERIFY(!button(*monitor, QStringLiteral("Resume run"))->isEnabled());  // nothing left to resume
    QVERIFY(std::filesystem::exists((form.output + QStringLiteral("/generator.json")).toStdString()));
    QVERIFY(points(*monitor) > before_resume);  // the resumed run's points continue the same curves
    QCOMPARE(monitor->loss_plot()->point_count(QStringLiteral("diffusion")), 15);  // 150 steps, a point every 10
    QVERIFY(monitor->status_text().contains(QStringLiteral("generator")));

    // The trained generator on its zoo becomes the studio's world: the zoo's tasks as conditions, candidates
    // scored against their task's soup.
    watchdog.set_phase("open in studio");
    QSignalSpy loaded(&window, &StudioWindow::demo_loaded), generated(&window, &StudioWindow::generation_finished),
        scored(&window, &StudioWindow::candidates_scored);
    QTest::mouseClick(button(*monitor, QStringLiteral("Open in studio")), Qt::LeftButton);
    QVERIFY(loaded.wait(30000));
    QVERIFY(window.text_conditions());
    QCOMPARE(window.condition_count(), 4);  // the synthetic zoo's tasks
    window.select_condition(QStringLiteral("task1"));
    window.generate();
    QVERIFY(generated.wait(60000));
    QVERIFY(scored.count() > 0 || scored.wait(30000));
    QCOMPARE(window.candidates()->size(), 6);
    for (const auto& r : window.candidates()->rows()) QVERIFY(std::isfinite(r.score) && r.score <= 100);
    QCOMPARE(failed.count(), 1);
    qInfo("while training: %s", watchdog.summary().c_str());
    watchdog.write_report("gui-training-responsiveness");
    QVERIFY2(watchdog.worst_ms() < lorastudio::test::kFreezeMs, watchdog.summary().c_str());
  }

  void badInputIsReportedInTheWindow_data() {
    QTest::addColumn<QString>("zoo");
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("expected");
    const QString config = QString::fromStdString(lorastudio::test::project_path("models/configs/text_task_small.json"));
    QTest::newRow("no zoo") << QString() << config << QStringLiteral("needs a zoo");
    QTest::newRow("missing zoo") << QStringLiteral("/nonexistent/zoo") << config << QStringLiteral("/nonexistent/zoo");
    QTest::newRow("missing config") << QStringLiteral("/nonexistent/zoo") << QStringLiteral("/nonexistent/config.json")
                                    << QStringLiteral("/nonexistent/config.json");
  }
  void badInputIsReportedInTheWindow() {
    QFETCH(QString, zoo);
    QFETCH(QString, config);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    StudioWindow window(nullptr, false);
    QSignalSpy failed(&window, &StudioWindow::failed);
    lorastudio::widgets::TrainingForm form;
    form.zoo = zoo;
    form.config = config;
    form.output = dir.filePath(QStringLiteral("out"));
    window.training_monitor()->set_form(form);
    window.train();
    QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 1, 10000);
    QVERIFY2(failed.last().first().toString().contains(expected), qPrintable(failed.last().first().toString()));
    QCOMPARE(window.training_monitor()->state(), State::Failed);
    QVERIFY(!window.training());
  }

 private:
  QTemporaryDir cache_;
};

LORASTUDIO_GUI_TEST_MAIN(TestGuiTrainingMonitor)
#include "test_gui_training_monitor.moc"
