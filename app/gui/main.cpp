// lora-studio: the LoRA Studio desktop application. With no arguments, or with --demo [NAME], the studio
// opens on an embedded demo; with an adapter path, the adapter inspector opens on it.
#include <cstdio>

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "app/gui/main_window.h"
#include "app/gui/studio_screenshot.h"
#include "app/gui/studio_window.h"
#include "widgets/trajectory_view.h"
#include "core/util/blas_kernels.h"
#include "core/util/cpu_threads.h"
#include "core/util/error.h"
#include "core/util/version.h"

int main(int argc, char** argv) {
  lorastudio::use_best_blas_kernels(argv);  // may re-execute the program (see blas_kernels.h)
  lorastudio::use_all_cores();
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("lora-studio"));
  QApplication::setApplicationDisplayName(QStringLiteral("LoRA Studio"));
  QApplication::setApplicationVersion(QString::fromUtf8(lorastudio::kVersion));
  QApplication::setOrganizationName(QStringLiteral("lora-studio"));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("LoRA Studio: conditional LoRA parameter generation"));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("adapter|demo"),
                               QStringLiteral("an adapter to inspect, or with --demo the demo's name or folder"));
  QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("open the studio on a demo: style-procedural (the default), synthetic-text, or a bundle's folder"));
  QCommandLineOption quit_after(QStringLiteral("quit-after-ms"),
                                QStringLiteral("close the window after N milliseconds (for smoke tests)"), QStringLiteral("N"));
  QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                QStringLiteral("save a picture of the window to FILE once it is ready (the studio: after a "
                                               "generation has finished and settled), then quit"),
                                QStringLiteral("FILE"));
  QCommandLineOption screenshot_panel(QStringLiteral("screenshot-panel"),
                                      QStringLiteral("with --screenshot: only this panel (trajectory, results, interpolate, inspector)"), QStringLiteral("NAME"));
  QCommandLineOption projection(QStringLiteral("view"), QStringLiteral("the studio's trajectory view: tsne (default) or pca"),
                                QStringLiteral("KIND"), QStringLiteral("tsne"));
  parser.addOptions({demo, quit_after, screenshot, screenshot_panel, projection});
  parser.process(app);
  const QStringList args = parser.positionalArguments();
  if (parser.isSet(quit_after)) QTimer::singleShot(parser.value(quit_after).toInt(), &app, &QApplication::quit);

  if (parser.isSet(demo) || args.isEmpty()) {
    lorastudio::gui::StudioWindow window(nullptr, !parser.isSet(screenshot));
    const QString view = parser.value(projection).toLower();
    if (view != QStringLiteral("tsne") && view != QStringLiteral("pca")) {
      std::fprintf(stderr, "lora-studio: --view: \"%s\" is not tsne or pca\n", qPrintable(view));
      return 2;
    }
    window.set_configs_dir(QStringLiteral(LORASTUDIO_MODELS_DIR "/configs"));  // offered by the training monitor
    window.set_models_dir(QStringLiteral(LORASTUDIO_MODELS_DIR));
    if (view == QStringLiteral("pca")) window.set_projection(lorastudio::gui::StudioWindow::Projection::Pca);
    window.show();
    if (parser.isSet(screenshot)) {
      const QString panel = parser.value(screenshot_panel);
      if (!panel.isEmpty() && !lorastudio::gui::screenshot_panels().contains(panel)) {
        std::fprintf(stderr, "lora-studio: --screenshot-panel: \"%s\" is not one of %s\n", qPrintable(panel),
                     qPrintable(lorastudio::gui::screenshot_panels().join(QStringLiteral(", "))));
        return 2;
      }
      lorastudio::gui::run_screenshot_script(window, parser.value(screenshot), panel);
    }
    window.open_demo(args.isEmpty() ? QStringLiteral("style-procedural") : args.front());
    return app.exec();
  }

  lorastudio::gui::MainWindow window;
  window.show();
  if (parser.isSet(screenshot)) {
    const QString file = parser.value(screenshot);
    auto grab = [&window, file] {
      window.grab().save(file);
      QApplication::quit();
    };
    QObject::connect(&window, &lorastudio::gui::MainWindow::adapter_shown, &app, [grab] { QTimer::singleShot(300, grab); });
    QObject::connect(&window, &lorastudio::gui::MainWindow::adapter_failed, &app, [grab] { QTimer::singleShot(300, grab); });
  }
  window.open_adapter(args.front());
  return app.exec();
}
