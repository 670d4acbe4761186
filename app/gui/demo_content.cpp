#include "app/gui/demo_content.h"

#include <filesystem>

#include "app/gui/pca_layout.h"
#include "core/lorastudio.h"
#include "core/style/style_demo.h"
#include "core/style/style_preview_provider.h"

namespace lorastudio::gui {
namespace {

std::vector<float> flat_copy(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

const DemoContent::Style* DemoContent::style(const QString& name) const {
  for (const auto& s : styles)
    if (s.name == name) return &s;
  return nullptr;
}

std::shared_ptr<const DemoContent> load_demo_content(const std::string& dir) {
  auto bundle = std::make_shared<const StyleDemo>(StyleDemo::load(dir));
  auto content = std::make_shared<DemoContent>();
  content->name = QString::fromStdString(bundle->name);
  for (const auto& s : bundle->styles)
    content->styles.push_back({QString::fromStdString(s.name), QString::fromStdString(s.family),
                               QString::fromStdString(s.conditions.front()),
                               QImage(QString::fromStdString(s.conditions.front()))
                                   .scaled(40, 40, Qt::KeepAspectRatio, Qt::SmoothTransformation),
                               s.held_out});
  const LatentAtlas& atlas = bundle->atlas;
  for (const auto& t : atlas.tasks) content->atlas_tasks << QString::fromStdString(t);
  content->dims = atlas.dimension();
  content->atlas_rows = flat_copy(atlas.latents);
  const auto index = atlas.task_index.contiguous();
  content->atlas_task.assign(index.data_ptr<int64_t>(), index.data_ptr<int64_t>() + index.numel());
  if (atlas.has_soups()) {
    content->soup_rows = flat_copy(atlas.soups);
    content->soup_kind = atlas.soup_kind == "delta_w" ? QStringLiteral("ΔW soup") : QStringLiteral("parameter average");
  }
  if (atlas.size() >= 2) {
    auto pca = std::make_shared<PcaLayout>();
    pca->fit(content->atlas_rows, content->dims);
    content->pca = std::move(pca);
  }
  content->generator = api::Generator::load((std::filesystem::path(dir) / "generator").string());
  content->bundle = std::move(bundle);
  return content;
}

std::unique_ptr<PreviewProvider> make_preview_provider(const DemoContent& demo) {
  return StylePreviewProvider::for_demo(demo.bundle);
}

}  // namespace lorastudio::gui
