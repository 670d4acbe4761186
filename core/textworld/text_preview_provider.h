#pragma once
// The text world's preview (core/studio/preview_provider.h): the yes/no base model with the exact mix
// (1−λ)·ΔW_a + λ·ΔW_b merged in, answering a few definitions; one bar per definition, its P(yes), with the base
// model's answer as the reference tick and the definitions that truly are "yes" highlighted. Subjects are tasks of
// the bundle's suite (their first test definitions, half yes and half no).
#include <memory>
#include <string>
#include <vector>

#include "core/studio/preview_provider.h"
#include "core/textworld/text_demo.h"

namespace lorastudio::textworld {

struct TextPreviewSubject {
  std::string name;                             // the task's name
  std::vector<wordnet::LabelledText> definitions;
};

class TextPreviewProvider : public PreviewProvider {
 public:
  TextPreviewProvider(YesNoModel model, std::vector<TextPreviewSubject> subjects);
  // `per_task` definitions of each of the bundle's check tasks (else its first tasks).
  static std::unique_ptr<TextPreviewProvider> for_demo(const TextDemo& demo, size_t per_task = 6);

  std::string kind() const override { return "text"; }
  std::string title() const override { return "merged-model answers"; }
  std::vector<std::string> subjects() const override;
  PreviewImage render(const std::shared_ptr<const LoraAdapter>& a, const std::shared_ptr<const LoraAdapter>& b,
                      double lambda, int subject, PreviewQuality quality) override;

 private:
  YesNoModel model_;
  std::vector<TextPreviewSubject> subjects_;
};

}  // namespace lorastudio::textworld
