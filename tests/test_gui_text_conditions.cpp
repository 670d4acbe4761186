// The studio on a text world (the synthetic one, built small here, and the shipped WordNet bundle): task
// descriptions with few-shot examples as conditions, a typed description of one's own (refused when empty, not
// added twice), generation and scoring for both, the bar preview of the text world, a walk between two
// descriptions, and a project that brings the typed description back. Images are refused in words. The guidance
// box follows the bundle's guidance for the selected task (its unseen guidance for a held-out one).
#include <QtTest/QtTest>

#include <cmath>

#include <QDoubleSpinBox>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>

#include "app/gui/candidate_store.h"
#include "app/gui/studio_window.h"
#include "core/textworld/text_demo.h"
#include "core/world/synthetic_text_world.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"
#include "tests/support/text_demo_copy.h"
#include "widgets/interpolation_panel.h"
#include "widgets/trajectory_view.h"

using lorastudio::gui::StudioWindow;

namespace {

const QString kTyped = QStringLiteral("Is this product review positive or negative?");

// Generates for `name` with few samples and steps, and waits for the scores.
bool generate_for(StudioWindow& window, const QString& name) {
  QSignalSpy finished(&window, &StudioWindow::generation_finished), scored(&window, &StudioWindow::candidates_scored);
  window.select_condition(name);
  window.generate();
  return finished.wait(60000) && (scored.count() > 0 || scored.wait(30000));
}

}  // namespace

class TestGuiTextConditions : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  QString world_;

 private Q_SLOTS:
  void initTestCase() {
    world_ = tmp_.filePath(QStringLiteral("world"));
    lorastudio::SyntheticTextWorldSpec spec;  // small: the window is tested here, the generator elsewhere
    spec.checkpoints = 12;
    spec.ae_steps = 150;
    spec.diffusion_steps = 200;
    lorastudio::build_synthetic_text_world(world_.toStdString(), spec);
  }

  void opensAsATextWorld() {
    StudioWindow window(nullptr, false);
    window.show();
    QSignalSpy loaded(&window, &StudioWindow::demo_loaded);
    window.open_demo(world_);
    QVERIFY(loaded.wait(30000));
    QVERIFY(window.text_conditions());
    QCOMPARE(window.condition_count(), 6);
    bool notice = false;
    for (auto* label : window.findChildren<QLabel*>())
      notice = notice || (label->isVisible() && label->text().contains(QStringLiteral("Synthetic text world")));
    QVERIFY(notice);  // labelled synthetic
    auto* box = window.findChild<QGroupBox*>();
    QVERIFY(box && box->isVisible());
    for (auto* button : window.findChildren<QPushButton*>())
      if (button->text().startsWith(QStringLiteral("Pick image"))) QVERIFY(!button->isVisible());
    // Picking a task fills the editor with its description and examples.
    window.select_condition(QStringLiteral("paraphrase"));
    auto* description = box->findChild<QLineEdit*>();
    QVERIFY(description->text().contains(QStringLiteral("paraphrases")));
    QVERIFY(box->findChild<QPlainTextEdit*>()->toPlainText().contains(QStringLiteral("->")));
  }

  void typedDescriptionsBecomeConditions() {
    StudioWindow window(nullptr, false);
    QSignalSpy loaded(&window, &StudioWindow::demo_loaded), failed(&window, &StudioWindow::failed);
    window.open_demo(world_);
    QVERIFY(loaded.wait(30000));
    QVERIFY(!window.add_text_condition(QStringLiteral("   ")));
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.last().first().toString().contains(QStringLiteral("Describe")));
    QVERIFY(window.add_text_condition(QStringLiteral("  ") + kTyped, {QStringLiteral("Works great. -> positive"), QString()}));
    QCOMPARE(window.condition_count(), 7);
    QCOMPARE(window.condition_names().back(), QStringLiteral("yours 1"));
    QVERIFY(window.add_text_condition(kTyped, {QStringLiteral("Works great. -> positive")}));  // the same: not twice
    QCOMPARE(window.condition_count(), 7);
    QVERIFY(window.add_text_condition(kTyped));  // without its example: another condition
    QCOMPARE(window.condition_names().back(), QStringLiteral("yours 2"));
    QVERIFY(!window.add_image_condition(QString::fromStdString(lorastudio::test::project_path("resources/icons/lora-studio.svg"))));
    QVERIFY(failed.last().first().toString().contains(QStringLiteral("task descriptions")));
  }

  // A task's candidates are scored against it; a typed description's are placed (nearest task) but unscored.
  // The preview draws the text world's bars; a walk joins two descriptions; a project brings it all back.
  void generatesWalksAndReopens() {
    StudioWindow window(nullptr, false);
    window.show();
    QSignalSpy loaded(&window, &StudioWindow::demo_loaded), failed(&window, &StudioWindow::failed);
    window.open_demo(world_);
    QVERIFY(loaded.wait(30000));
    QVERIFY(window.add_text_condition(kTyped, {QStringLiteral("Works great. -> positive")}));
    QVERIFY(generate_for(window, QStringLiteral("sentiment")));
    QVERIFY(generate_for(window, QStringLiteral("yours 1")));
    QTRY_VERIFY_WITH_TIMEOUT(window.candidates()->scoring() == 0, 30000);
    int scored = 0, unscored = 0;
    for (const auto& r : window.candidates()->rows()) {
      if (r.condition == QStringLiteral("sentiment")) scored += std::isfinite(r.score) && r.rank > 0;
      if (r.condition == QStringLiteral("yours 1")) unscored += std::isnan(r.score) && !r.nearest_task.isEmpty();
    }
    QCOMPARE(scored, 6);
    QCOMPARE(unscored, 6);
    auto* panel = window.interpolation_panel();
    const auto rows = window.candidates()->rows();
    panel->set_ends(rows.front().id, rows.back().id);
    panel->set_lambda(0.3);
    QTRY_VERIFY_WITH_TIMEOUT(panel->has_preview() && panel->caption().contains(QStringLiteral("most like")), 10000);
    QSignalSpy walked(&window, &StudioWindow::walk_finished);
    window.select_condition(QStringLiteral("sentiment"));
    window.set_walk_target(QStringLiteral("yours 1"));
    window.start_walk();
    QVERIFY(walked.wait(60000));
    QCOMPARE(failed.count(), 0);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("text.lsproject"));
    QSignalSpy saved(&window, &StudioWindow::project_saved);
    window.save_project_as(path);
    QVERIFY(saved.wait(10000));
    StudioWindow reopened(nullptr, false);
    QSignalSpy opened(&reopened, &StudioWindow::project_opened);
    reopened.open_project_file(path);
    QVERIFY(opened.wait(30000));
    QVERIFY(reopened.condition_names().contains(QStringLiteral("yours 1")));
    QCOMPARE(reopened.candidates()->size(), 12 + 7);  // the walk's adapters too
    QTRY_VERIFY_WITH_TIMEOUT(reopened.candidates()->scoring() == 0, 30000);
    int rescored = 0;
    for (const auto& r : reopened.candidates()->rows()) rescored += std::isfinite(r.score);
    QCOMPARE(rescored, 6);  // the typed description's stay unscored: its text came back, not a task's
  }

  // The text world's shipped bundle: its suite's tasks as conditions, a task's candidates scored by test accuracy
  // (percent), a typed paraphrase of a task scored as that task, the merged model's answers as preview.
  void opensTheTextWorldBundle() {
    const std::string bundle = lorastudio::test::project_path("models/demo/text-wordnet");
    const lorastudio::textworld::TextDemo demo = lorastudio::textworld::TextDemo::load(bundle);
    StudioWindow window(nullptr, false);
    window.show();
    QSignalSpy loaded(&window, &StudioWindow::demo_loaded), failed(&window, &StudioWindow::failed);
    window.open_demo(QString::fromStdString(bundle));
    QVERIFY(loaded.wait(60000));
    QVERIFY(window.text_conditions());
    QCOMPARE(window.condition_count(), static_cast<int>(demo.suite.tasks.size()));
    const QString task = QString::fromStdString(demo.suite.tasks.front().name);
    QVERIFY(window.add_text_condition(QString::fromStdString(demo.suite.tasks.front().unseen_paraphrase)));
    QVERIFY(generate_for(window, task));
    QVERIFY(generate_for(window, QStringLiteral("yours 1")));
    QTRY_VERIFY_WITH_TIMEOUT(window.candidates()->scoring() == 0, 60000);
    int scored = 0, typed = 0;
    for (const auto& r : window.candidates()->rows()) {
      const bool percent = std::isfinite(r.score) && r.score >= 0 && r.score <= 100 && r.rank > 0;
      scored += r.condition == task && percent;
      typed += r.condition == QStringLiteral("yours 1") && percent;
    }
    QCOMPARE(scored, 6);
    QCOMPARE(typed, 6);
    auto* panel = window.interpolation_panel();
    const auto rows = window.candidates()->rows();
    panel->set_ends(rows.front().id, rows.back().id);
    panel->set_lambda(0.4);
    QTRY_VERIFY_WITH_TIMEOUT(panel->has_preview() && panel->caption().contains(QStringLiteral("answered right")), 20000);
    QCOMPARE(failed.count(), 0);
  }

  // A bundle with a guidance of its own for what its generator never trained on: the guidance box follows the
  // selected task (the training tasks' guidance, or the unseen one for a held-out task) until the user sets one.
  void guidanceFollowsTheConditionUntilSetByHand() {
    QTemporaryDir tmp;
    const std::string copy = lorastudio::test::copy_text_demo_with_sampling(tmp.path().toStdString(), lorastudio::test::test_text_sampling());
    const lorastudio::textworld::TextDemo demo = lorastudio::textworld::TextDemo::load(copy);
    QString trained, held_out;
    for (const auto& t : demo.suite.tasks) (t.held_out ? held_out : trained) = QString::fromStdString(t.name);
    StudioWindow window(nullptr, false);
    window.show();
    QSignalSpy loaded(&window, &StudioWindow::demo_loaded);
    window.open_demo(QString::fromStdString(copy));
    QVERIFY(loaded.wait(60000));
    auto* guidance = window.findChild<QDoubleSpinBox*>(QStringLiteral("guidance"));
    QVERIFY(guidance);
    window.select_condition(held_out);
    QCOMPARE(guidance->value(), 1.5);
    window.select_condition(trained);
    QCOMPARE(guidance->value(), 3.5);
    guidance->setValue(2.0);  // the user's own
    window.select_condition(held_out);
    QCOMPARE(guidance->value(), 2.0);
  }
};

LORASTUDIO_GUI_TEST_MAIN(TestGuiTextConditions)
#include "test_gui_text_conditions.moc"
