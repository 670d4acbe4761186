#pragma once
// The studio window. This first version holds an empty project and the adapter inspector
// (module table and per-module ΔW norms); the zoo, generator and previews come with later issues.
#include <QMainWindow>

class QLabel;
class QListWidget;

namespace lorastudio::widgets {
class ModuleTable;
class ModuleNormPlot;
}

namespace lorastudio::gui {

struct AdapterSummary;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  void open_adapter(const QString& path);

 Q_SIGNALS:
  void adapter_shown(const QString& path);
  void adapter_failed(const QString& message);

 private:
  void build_menus();
  void show_summary(const AdapterSummary& summary);
  void show_error(const QString& message);

  QListWidget* zoo_list_ = nullptr;
  widgets::ModuleTable* module_table_ = nullptr;
  widgets::ModuleNormPlot* norm_plot_ = nullptr;
  QLabel* info_ = nullptr;
};

}  // namespace lorastudio::gui
