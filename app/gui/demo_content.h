#pragma once
// What the studio needs of a demo bundle, loaded off the GUI thread: its conditions with thumbnails, the atlas
// of training checkpoints (and the tasks' soups) in the generator's latent space, the generator, the bundle
// itself for scoring, and its preview provider.
#include <memory>
#include <vector>

#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>

namespace lorastudio {
class StyleDemo;
class PreviewProvider;
namespace api {
class Generator;
}
}  // namespace lorastudio

namespace lorastudio::gui {

class PcaLayout;

struct DemoContent {
  QString name;
  struct Style {
    QString name, family, condition;
    QImage thumbnail;  // decoded and scaled off the GUI thread
    bool held_out = false;
  };
  QVector<Style> styles;
  QStringList atlas_tasks;
  std::vector<int> atlas_task;     // per atlas row
  std::vector<float> atlas_rows;   // [N, dims]
  std::vector<float> soup_rows;    // [tasks, dims], one soup per atlas task (empty in older bundles)
  QString soup_kind;               // "ΔW soup" or "parameter average"
  int64_t dims = 0;
  std::shared_ptr<api::Generator> generator;
  std::shared_ptr<const StyleDemo> bundle;
  std::shared_ptr<const PcaLayout> pca;  // fitted on the atlas, no points yet (null when it cannot be fitted)
  const Style* style(const QString& name) const;
};

std::shared_ptr<const DemoContent> load_demo_content(const std::string& dir);  // throws Error / FileError

// A new preview provider for the demo (each preview worker owns one).
std::unique_ptr<PreviewProvider> make_preview_provider(const DemoContent& demo);

}  // namespace lorastudio::gui
