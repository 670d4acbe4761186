#include "core/world/style_studio_world.h"

#include <filesystem>

#include "core/style/style_candidates.h"
#include "core/style/style_demo.h"
#include "core/style/style_preview_provider.h"

namespace lorastudio {

StyleStudioWorld::StyleStudioWorld(std::shared_ptr<const StyleDemo> demo) : demo_(std::move(demo)) {
  for (const auto& s : demo_->styles) {
    WorldCondition c;
    c.name = s.name;
    c.group = s.family;
    c.text = s.description;
    c.image = s.conditions.front();
    c.held_out = s.held_out;
    conditions_.push_back(std::move(c));
  }
}

std::shared_ptr<const StyleStudioWorld> StyleStudioWorld::load(const std::string& dir) {
  return std::make_shared<const StyleStudioWorld>(std::make_shared<const StyleDemo>(StyleDemo::load(dir)));
}

std::string StyleStudioWorld::name() const { return demo_->name; }
std::string StyleStudioWorld::dir() const { return demo_->dir; }
std::string StyleStudioWorld::generator_dir() const { return (std::filesystem::path(demo_->dir) / "generator").string(); }
const LatentAtlas& StyleStudioWorld::atlas() const { return demo_->atlas; }
std::shared_ptr<ConditionalGenerator> StyleStudioWorld::generator() const { return demo_->generator; }

CandidateTable StyleStudioWorld::candidate_table(const std::vector<LoraAdapter>& adapters, const torch::Tensor& latents,
                                                 const WorldCondition& condition) const {
  return style_candidate_table(*demo_, adapters, latents, condition.image);
}

std::unique_ptr<PreviewProvider> StyleStudioWorld::preview_provider() const {
  return StylePreviewProvider::for_demo(demo_);
}

}  // namespace lorastudio
