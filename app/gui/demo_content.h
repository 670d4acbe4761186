#pragma once
// What the studio needs of a world (core/world/studio_world.h), loaded off the GUI thread: its conditions with
// thumbnails, the atlas of training checkpoints (and the tasks' soups) in the generator's latent space as plain
// rows, the engine's generator, and the world itself for scoring and previews. Any world's bundle opens here
// the same way: nothing in the window depends on which world it is.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>

#include "core/world/world_condition.h"

namespace lorastudio {
class StudioWorld;
class PreviewProvider;
namespace api {
class Generator;
struct Condition;
}
}  // namespace lorastudio

namespace lorastudio::gui {

class PcaLayout;

struct DemoContent {
  QString name;
  QString notice;  // "" for a real world; shown above the conditions otherwise (a synthetic one says so)
  ConditionKind kind = ConditionKind::Image;
  struct Condition {
    WorldCondition world;
    QString name, group;
    QImage thumbnail;  // decoded and scaled off the GUI thread; null for text conditions
  };
  QVector<Condition> conditions;
  QStringList atlas_tasks;
  std::vector<int> atlas_task;     // per atlas row
  std::vector<float> atlas_rows;   // [N, dims]
  std::vector<float> soup_rows;    // [tasks, dims], one soup per atlas task (empty in older bundles)
  QString soup_kind;               // "ΔW soup" or "parameter average"
  int64_t dims = 0;
  std::shared_ptr<api::Generator> generator;
  std::shared_ptr<const StudioWorld> world;
  std::shared_ptr<const PcaLayout> pca;  // fitted on the atlas, no points yet (null when it cannot be fitted)
  const Condition* condition(const QString& name) const;
};

// `name_or_dir` as open_studio_world takes it; `progress` is called on the loading thread. Throws Error / FileError.
std::shared_ptr<const DemoContent> load_demo_content(const std::string& name_or_dir, const std::string& models_dir,
                                                     const std::function<void(const std::string&)>& progress = {});

// A new preview provider for the world (each preview worker owns one).
std::unique_ptr<PreviewProvider> make_preview_provider(const DemoContent& demo);

// The engine's condition: the image, or the description with its examples.
api::Condition to_api_condition(const WorldCondition& condition);

// A description shortened for a list entry (about 44 characters).
QString elided_description(const std::string& text);

// A condition's list entry thumbnail: the image scaled to 40 px (null for text).
QImage condition_thumbnail(const WorldCondition& condition);

}  // namespace lorastudio::gui
