#include "core/world/text_studio_world.h"

#include "core/textworld/text_demo.h"
#include "core/textworld/text_preview_provider.h"
#include "core/textworld/text_zoo.h"
#include "core/wordnet/task_suite_file.h"

namespace lorastudio {

TextStudioWorld::TextStudioWorld(std::shared_ptr<const textworld::TextDemo> demo)
    : demo_(std::move(demo)), generator_(std::make_shared<ConditionalGenerator>(demo_->generator())) {
  for (const auto& t : demo_->suite.tasks) {
    WorldCondition c;
    c.name = c.group = t.name;
    c.text = t.descriptions.empty() ? t.unseen_paraphrase : t.descriptions.front();
    for (const auto& s : t.shots()) c.examples.push_back(textworld::shot_text(s));
    c.held_out = t.held_out;
    conditions_.push_back(std::move(c));
  }
}

std::shared_ptr<const TextStudioWorld> TextStudioWorld::load(const std::string& dir) {
  return std::make_shared<const TextStudioWorld>(std::make_shared<const textworld::TextDemo>(textworld::TextDemo::load(dir)));
}

std::string TextStudioWorld::name() const { return demo_->name; }
std::string TextStudioWorld::dir() const { return demo_->dir; }
std::string TextStudioWorld::generator_dir() const { return demo_->generator_dir(); }
const LatentAtlas& TextStudioWorld::atlas() const { return demo_->atlas; }

std::string TextStudioWorld::notice() const {
  return demo_->atlas.size() == 0 ? "This bundle has no atlas of its checkpoints (an older recipe wrote it): the results "
                                    "table needs one; write the bundle again with recipe run."
                                  : "";
}

const wordnet::WordNetTask* TextStudioWorld::suite_task(const WorldCondition& condition) const {
  const wordnet::WordNetTask* task = wordnet::find_task(demo_->suite, task_of(condition));
  if (!task && condition.image.empty()) task = demo_->match(condition.text);
  return task;
}

CandidateTable TextStudioWorld::candidate_table(const std::vector<LoraAdapter>& adapters, const torch::Tensor& latents,
                                                const WorldCondition& condition) const {
  torch::InferenceMode inference;
  const wordnet::WordNetTask* task = suite_task(condition);
  if (!task)
    return lorastudio::candidate_table(demo_->atlas, latents, "", {}, {}, {},
                                       "test accuracy (none: a description the suite does not know)");
  // A model of its own per table: merging an adapter writes into its weights, and tables are scored on workers.
  textworld::YesNoModel model = demo_->base();
  std::vector<double> scores = textworld::split_accuracies(model, task->test, adapters);
  for (double& s : scores) s *= 100;
  auto percent = [](std::optional<double> v) { return v ? std::optional<double>(100 * *v) : std::nullopt; };
  const auto best = percent(demo_->evaluated(task->name, task->held_out ? "oracle" : "best_original"));
  const auto soup = percent(task->held_out ? std::nullopt : demo_->evaluated(task->name, "soup"));
  return lorastudio::candidate_table(demo_->atlas, latents, task->name, scores, best, soup,
                                     "accuracy on " + task->name + "'s " + std::to_string(task->test.size()) +
                                         " test definitions, %" + (task->held_out ? " (held out: against its oracle LoRA)" : ""));
}

std::unique_ptr<PreviewProvider> TextStudioWorld::preview_provider() const {
  return textworld::TextPreviewProvider::for_demo(*demo_);
}

GenerateOptions TextStudioWorld::sampling() const { return demo_->sampling; }

GenerateOptions TextStudioWorld::sampling_for(const WorldCondition& condition) const {
  return demo_->sampling_for(suite_task(condition));
}

}  // namespace lorastudio
