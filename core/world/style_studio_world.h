#pragma once
// The style demo bundle (core/style/style_demo.h) as a studio world: its styles with their condition images,
// candidates scored on the check photos, previews of the stylized photo.
#include <memory>

#include "core/world/studio_world.h"

namespace lorastudio {

class StyleDemo;

class StyleStudioWorld : public StudioWorld {
 public:
  explicit StyleStudioWorld(std::shared_ptr<const StyleDemo> demo);
  static std::shared_ptr<const StyleStudioWorld> load(const std::string& dir);  // FileError

  std::string name() const override;
  std::string dir() const override;
  std::string generator_dir() const override;
  ConditionKind condition_kind() const override { return ConditionKind::Image; }
  const std::vector<WorldCondition>& conditions() const override { return conditions_; }
  const LatentAtlas& atlas() const override;
  std::shared_ptr<ConditionalGenerator> generator() const override;
  CandidateTable candidate_table(const std::vector<LoraAdapter>& adapters, const torch::Tensor& latents,
                                 const WorldCondition& condition) const override;
  std::unique_ptr<PreviewProvider> preview_provider() const override;
  const std::shared_ptr<const StyleDemo>& demo() const { return demo_; }

 private:
  std::shared_ptr<const StyleDemo> demo_;
  std::vector<WorldCondition> conditions_;
};

}  // namespace lorastudio
