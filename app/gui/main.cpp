// lora-studio: the LoRA Studio desktop application.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "app/gui/main_window.h"
#include "core/util/blas_kernels.h"
#include "core/util/cpu_threads.h"
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
  parser.addPositionalArgument(QStringLiteral("adapter"), QStringLiteral("an adapter to open (optional)"));
  QCommandLineOption quit_after(QStringLiteral("quit-after-ms"),
                                QStringLiteral("close the window after N milliseconds (for smoke tests)"),
                                QStringLiteral("N"));
  parser.addOption(quit_after);
  QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                QStringLiteral("save a picture of the window to FILE once it has opened (and the "
                                               "adapter, if given, is shown), then quit"),
                                QStringLiteral("FILE"));
  parser.addOption(screenshot);
  parser.process(app);

  lorastudio::gui::MainWindow window;
  window.show();
  if (parser.isSet(screenshot)) {
    const QString file = parser.value(screenshot);
    auto grab = [&window, file] {
      window.grab().save(file);
      QApplication::quit();
    };
    if (parser.positionalArguments().isEmpty()) {
      QTimer::singleShot(500, &app, grab);
    } else {
      QObject::connect(&window, &lorastudio::gui::MainWindow::adapter_shown, &app, [grab] { QTimer::singleShot(300, grab); });
      QObject::connect(&window, &lorastudio::gui::MainWindow::adapter_failed, &app, [grab] { QTimer::singleShot(300, grab); });
    }
  }
  if (!parser.positionalArguments().isEmpty()) window.open_adapter(parser.positionalArguments().front());
  if (parser.isSet(quit_after)) QTimer::singleShot(parser.value(quit_after).toInt(), &app, &QApplication::quit);
  return app.exec();
}
