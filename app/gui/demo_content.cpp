#include "app/gui/demo_content.h"

#include "app/gui/pca_layout.h"
#include "core/lorastudio.h"
#include "core/generator/latent_atlas.h"
#include "core/world/studio_world.h"

namespace lorastudio::gui {
namespace {

std::vector<float> flat_copy(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

void copy_atlas(const LatentAtlas& atlas, DemoContent& content) {
  for (const auto& t : atlas.tasks) content.atlas_tasks << QString::fromStdString(t);
  content.dims = atlas.dimension();
  content.atlas_rows = flat_copy(atlas.latents);
  const auto index = atlas.task_index.contiguous();
  content.atlas_task.assign(index.data_ptr<int64_t>(), index.data_ptr<int64_t>() + index.numel());
  if (atlas.has_soups()) {
    content.soup_rows = flat_copy(atlas.soups);
    content.soup_kind = atlas.soup_kind == "delta_w" ? QStringLiteral("ΔW soup") : QStringLiteral("parameter average");
  }
}

}  // namespace

const DemoContent::Condition* DemoContent::condition(const QString& name) const {
  for (const auto& c : conditions)
    if (c.name == name) return &c;
  return nullptr;
}

QImage condition_thumbnail(const WorldCondition& condition) {
  if (condition.image.empty()) return {};
  return QImage(QString::fromStdString(condition.image)).scaled(40, 40, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

std::shared_ptr<const DemoContent> load_demo_content(const std::string& name_or_dir, const std::string& models_dir,
                                                     const std::function<void(const std::string&)>& progress) {
  auto world = open_studio_world(name_or_dir, models_dir, progress);
  auto content = std::make_shared<DemoContent>();
  content->name = QString::fromStdString(world->name());
  content->notice = QString::fromStdString(world->notice());
  content->kind = world->condition_kind();
  for (const auto& c : world->conditions())
    content->conditions.push_back({c, QString::fromStdString(c.name), QString::fromStdString(c.group), condition_thumbnail(c)});
  copy_atlas(world->atlas(), *content);
  if (world->atlas().size() >= 2) {
    auto pca = std::make_shared<PcaLayout>();
    pca->fit(content->atlas_rows, content->dims);
    content->pca = std::move(pca);
  }
  content->generator = api::Generator::load(world->generator_dir());
  content->world = std::move(world);
  return content;
}

QString elided_description(const std::string& text) {
  const QString t = QString::fromStdString(text);
  return t.size() <= 44 ? t : t.left(42).trimmed() + QStringLiteral("…");
}

std::unique_ptr<PreviewProvider> make_preview_provider(const DemoContent& demo) { return demo.world->preview_provider(); }

api::Condition to_api_condition(const WorldCondition& condition) {
  api::Condition c;
  if (!condition.image.empty()) {
    c.image_path = condition.image;
  } else {
    c.text = condition.text;
    c.examples = condition.examples;
  }
  return c;
}

}  // namespace lorastudio::gui
