#include "app/gui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QVBoxLayout>

#include "app/gui/adapter_load_job.h"
#include "core/util/version.h"
#include "widgets/module_norm_plot.h"
#include "widgets/module_table.h"

namespace lorastudio::gui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("LoRA Studio — untitled project"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/lora-studio.svg")));
  resize(1200, 780);

  zoo_list_ = new QListWidget;
  zoo_list_->setObjectName(QStringLiteral("zoo_list"));
  auto* zoo_dock = new QDockWidget(tr("Zoo"), this);
  zoo_dock->setObjectName(QStringLiteral("zoo_dock"));
  zoo_dock->setWidget(zoo_list_);
  addDockWidget(Qt::LeftDockWidgetArea, zoo_dock);

  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  info_ = new QLabel(tr("Empty project. Open an adapter (File ▸ Open Adapter…) to inspect it."));
  info_->setObjectName(QStringLiteral("info"));
  info_->setWordWrap(true);
  info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  module_table_ = new widgets::ModuleTable;
  module_table_->setObjectName(QStringLiteral("module_table"));
  norm_plot_ = new widgets::ModuleNormPlot;
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(module_table_);
  split->addWidget(norm_plot_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  layout->addWidget(info_);
  layout->addWidget(split, 1);
  setCentralWidget(central);
  build_menus();
  statusBar()->showMessage(tr("Ready"));
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open Adapter…"), this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open adapter directory"));
    if (!dir.isEmpty()) open_adapter(dir);
  });
  open->setShortcut(QKeySequence::Open);
  file->addAction(tr("Open Adapter &File…"), this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, tr("Open adapter file"), {}, tr("safetensors (*.safetensors)"));
    if (!f.isEmpty()) open_adapter(f);
  });
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::quit);
  quit->setShortcut(QKeySequence::Quit);
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About LoRA Studio"), this, [this] {
    QMessageBox::about(this, tr("About LoRA Studio"),
                       tr("LoRA Studio %1\nConditional LoRA parameter generation.").arg(QString::fromUtf8(kVersion)));
  });
}

void MainWindow::open_adapter(const QString& path) {
  statusBar()->showMessage(tr("Loading %1…").arg(path));
  AdapterLoadJob::start(
      path, this, [this](const AdapterSummary& s) { show_summary(s); }, [this](const QString& m) { show_error(m); });
}

void MainWindow::show_summary(const AdapterSummary& summary) {
  info_->setText(summary.description);
  module_table_->set_modules(summary.modules);
  norm_plot_->set_modules(summary.modules);
  if (zoo_list_->findItems(summary.path, Qt::MatchExactly).isEmpty()) zoo_list_->addItem(summary.path);
  statusBar()->showMessage(tr("Loaded %1 (%2)").arg(summary.path, summary.format));
  Q_EMIT adapter_shown(summary.path);
}

void MainWindow::show_error(const QString& message) {
  statusBar()->showMessage(tr("Could not open the adapter"));
  info_->setText(message);
  Q_EMIT adapter_failed(message);
}

}  // namespace lorastudio::gui
