#include "app/gui/studio_screenshot.h"

#include <memory>

#include <QApplication>
#include <QDockWidget>
#include <QPushButton>
#include <QTimer>

#include "app/gui/candidate_store.h"
#include "app/gui/preview_worker.h"
#include "app/gui/studio_window.h"
#include "widgets/interpolation_panel.h"
#include "widgets/results_table.h"
#include "widgets/trajectory_view.h"
#include "widgets/training_monitor.h"

namespace lorastudio::gui {
namespace {

struct Script {
  QStringList styles;
  int generated = 0;     // generations finished
  bool scored = false;   // the last generation's candidates
  bool settled = false;  // the embedding, since the last generation
  bool done = false;
  bool walked = false;
};

// The best-scored candidate of a condition (its first when none is scored), or -1.
int best_of(const CandidateStore& store, const QString& style) {
  int best = -1, first = -1;
  for (const auto& r : store.rows()) {
    if (r.condition == style && r.rank == 1) best = r.id;
    if (r.condition == style && first < 0) first = r.id;
  }
  return best >= 0 ? best : first;
}

// The conditions the script generates for, once the demo is there: the given ones, else in the style demo
// two contrasting styles, in a text world two tasks and between them a description of one's own.
QStringList script_conditions(StudioWindow& window, const QStringList& given) {
  const QStringList names = window.condition_names();
  bool all = !given.isEmpty();
  for (const auto& g : given) all = all && names.contains(g);
  if (all) return given;
  if (!window.text_conditions() || names.size() < 2) return {names.front(), names.back()};
  window.add_text_condition(QStringLiteral("Is this product review positive or negative?"),
                            {QStringLiteral("Works great, the battery lasts all day. -> positive")});
  return {names.front(), window.condition_names().back(), names.back()};
}

void grab(StudioWindow& window, const QString& file, const QString& panel) {
  QWidget* target = &window;
  if (panel == QStringLiteral("trajectory")) target = window.trajectory_view();
  else if (panel == QStringLiteral("results")) target = window.results_table()->parentWidget();
  else if (!panel.isEmpty())
    for (auto* dock : window.findChildren<QDockWidget*>())
      if (dock->objectName() == panel) {
        dock->raise();
        target = dock->widget();
      }
  QApplication::processEvents();
  target->grab().save(file);
}

}  // namespace

QStringList screenshot_panels() {
  return {QStringLiteral("trajectory"), QStringLiteral("results"), QStringLiteral("interpolate"), QStringLiteral("inspector"),
          QStringLiteral("train")};
}

// The training monitor: a synthetic zoo, a short run of both stages, the picture when it has finished.
static void run_training_script(StudioWindow& window, const QString& file) {
  QObject::connect(&window, &StudioWindow::synthetic_zoo_ready, &window, [&window](const QString&) {
    auto form = window.training_monitor()->form();
    form.ae_steps = 400;
    form.diffusion_steps = 400;
    window.training_monitor()->set_form(form);
    window.train();
  });
  QObject::connect(&window, &StudioWindow::training_finished, &window, [&window, file](bool) {
    QTimer::singleShot(300, &window, [&window, file] {
      grab(window, file, QStringLiteral("train"));
      QApplication::quit();
    });
  });
  QTimer::singleShot(0, &window, [&window] { window.training_monitor()->findChild<QPushButton*>(QStringLiteral("synthetic"))->click(); });
}

void run_screenshot_script(StudioWindow& window, const QString& file, const QString& panel, const QStringList& styles) {
  if (panel == QStringLiteral("train")) {
    run_training_script(window, file);
    return;
  }
  auto script = std::make_shared<Script>();
  QObject::connect(&window, &StudioWindow::demo_loaded, &window, [&window, script, styles] {
    if (script->styles.isEmpty()) script->styles = script_conditions(window, styles);
  });
  const auto finish = [&window, file, panel, script] {
    if (script->done || script->generated < script->styles.size() || !script->scored || !script->settled ||
        window.candidates()->scoring() > 0)
      return;
    script->done = true;
    CandidateStore& store = *window.candidates();
    const int a = best_of(store, script->styles.front()), b = best_of(store, script->styles.back());
    window.select_candidate(a);
    window.interpolation_panel()->set_ends(a, b);
    window.interpolation_panel()->set_lambda(0.4);
    // Then a condition walk between the two styles; the picture once it has settled in the view.
    window.select_condition(script->styles.front());
    window.set_walk_target(script->styles.back());
    window.start_walk();
  };
  const auto after_walk = [&window, file, panel, script] {
    if (!script->done || !script->walked || !script->settled) return;
    script->walked = false;
    // The preview and the inspection arrive from worker threads: give them a moment, then save.
    QTimer::singleShot(1500, &window, [&window, file, panel] {
      grab(window, file, panel);
      QApplication::quit();
    });
  };
  const auto next = [&window, script] {
    window.select_condition(script->styles[script->generated]);
    script->scored = script->settled = false;
    window.generate();
  };
  QObject::connect(&window, &StudioWindow::embedding_settled, &window, [script, next, finish, after_walk] {
    if (script->generated == 0 && !script->settled) {
      script->settled = true;  // the checkpoints alone
      next();
      return;
    }
    script->settled = true;
    finish();
    after_walk();
  });
  QObject::connect(&window, &StudioWindow::walk_finished, &window, [script](double) {
    script->walked = true;
    script->settled = false;  // the walk's points settle first
  });
  QObject::connect(&window, &StudioWindow::generation_finished, &window, [script, next](bool) {
    ++script->generated;
    if (script->generated < script->styles.size()) next();
  });
  QObject::connect(&window, &StudioWindow::candidates_scored, &window, [script, finish] {
    script->scored = true;
    finish();
  });
  QObject::connect(&window, &StudioWindow::failed, &window, [&window, file](const QString&) {
    window.grab().save(file);
    QApplication::exit(1);
  });
  QTimer::singleShot(240000, &window, [] { QApplication::exit(2); });  // never hang a script
}

}  // namespace lorastudio::gui
