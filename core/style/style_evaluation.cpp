#include "core/style/style_evaluation.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "core/generator/memorization_report.h"
#include "core/imaging/image_metrics.h"
#include "core/style/style_harvest.h"
#include "core/style/stylizer_lora.h"
#include "core/util/error.h"
#include "core/zoo/delta_space.h"
#include "core/zoo/task_soup.h"

namespace lorastudio {

namespace {

constexpr const char* kMethodNames[] = {"no LoRA",           "original (best checkpoint)", "ΔW soup",
                                        "generated (best of N)", "generated (mean of N)", "nearest seen style's LoRA",
                                        "wrong condition (control)"};

ImageScores score_adapter(Stylizer& stylizer, const LoraAdapter* adapter, const std::vector<torch::Tensor>& photos,
                          const std::vector<torch::Tensor>& truths) {
  std::vector<torch::Tensor> outputs;
  for (const auto& photo : photos) outputs.push_back(stylize(stylizer, photo, adapter));
  return score_images(outputs, truths);
}

ImageScores mean_scores(const std::vector<ImageScores>& all) {
  ImageScores m{0, 0, 0};
  for (const auto& s : all) {
    m.psnr += s.psnr / static_cast<double>(all.size());
    m.ssim += s.ssim / static_cast<double>(all.size());
    m.swd += s.swd / static_cast<double>(all.size());
  }
  return all.empty() ? ImageScores{} : m;
}

LoraAdapter checkpoint(const Zoo& zoo, const std::string& task, int64_t row) {
  return zoo.layout().unflatten(zoo.task_params(task)[row]);
}

// The row with the best training-split score ("score_psnr"), else the last.
int64_t best_row(const Zoo& zoo, const std::string& task) {
  const int64_t row = best_checkpoint_row(zoo, task, "score_psnr");
  return row >= 0 ? row : zoo.count(task) - 1;
}

struct Candidates {
  GeneratedAdapters generated;
  std::vector<double> train_scores;  // training-split PSNR per adapter
  size_t best() const { return static_cast<size_t>(std::max_element(train_scores.begin(), train_scores.end()) - train_scores.begin()); }
};

Candidates generate_for(ConditionalGenerator& g, const torch::Tensor& condition_image, const StyleEvaluationOptions& o,
                        Stylizer& stylizer, const StylePairs& validation) {
  ConditionInput in;
  in.image = condition_image;
  GenerateOptions go = o.generate;
  go.count = o.samples;
  Candidates c;
  c.generated = generate_adapters(g, in, go);
  for (const auto& a : c.generated.adapters) c.train_scores.push_back(pairs_psnr(stylizer, validation, &a));
  return c;
}

// Every checkpoint of both zoos with its style, for nearest-checkpoint questions.
struct AllCheckpoints {
  torch::Tensor params;             // [M, D]
  std::vector<std::string> labels;  // M
};
AllCheckpoints all_checkpoints(const Zoo& seen, const Zoo& held_out) {
  AllCheckpoints all;
  std::vector<torch::Tensor> parts;
  for (const Zoo* z : {&seen, &held_out})
    for (const auto& task : z->tasks()) {
      parts.push_back(z->task_params(task));
      all.labels.insert(all.labels.end(), static_cast<size_t>(z->count(task)), task);
    }
  all.params = torch::cat(parts);
  return all;
}

int64_t nearest_own(const ZooLayout& layout, const AllCheckpoints& all, const torch::Tensor& generated, const std::string& style) {
  const torch::Tensor nearest = delta_distances(layout, generated, all.params).argmin(1);
  int64_t own = 0;
  for (int64_t i = 0; i < nearest.size(0); ++i) own += all.labels[static_cast<size_t>(nearest[i].item<int64_t>())] == style ? 1 : 0;
  return own;
}

// Every seen style's condition images, computed once for the retrieval baseline.
using ConditionSets = std::vector<std::pair<std::string, std::vector<torch::Tensor>>>;
ConditionSets seen_conditions(const StyleWorld& world, const Zoo& seen) {
  ConditionSets sets;
  for (const auto& task : seen.tasks()) sets.emplace_back(task, world.condition_images(world.style(task)));
  return sets;
}

// The seen style whose condition images are nearest (sliced Wasserstein between the image sets).
std::string nearest_seen_style(const StyleWorld& world, const ConditionSets& seen, const Style& style) {
  const std::vector<torch::Tensor> mine = world.condition_images(style);
  std::string best;
  double best_d = INFINITY;
  for (const auto& [task, images] : seen) {
    const double d = sliced_wasserstein(mine, images);
    if (d < best_d) best_d = d, best = task;
  }
  return best;
}

}  // namespace

const char* style_method_name(StyleMethod m) { return kMethodNames[static_cast<int>(m)]; }

ImageScores score_images(const std::vector<torch::Tensor>& outputs, const std::vector<torch::Tensor>& truths) {
  if (outputs.size() != truths.size() || outputs.empty()) throw Error("score_images: needs one output per truth");
  ImageScores s{0, 0, 0};
  for (size_t i = 0; i < outputs.size(); ++i) {
    s.psnr += psnr(outputs[i], truths[i]) / static_cast<double>(outputs.size());
    s.ssim += ssim(outputs[i], truths[i]) / static_cast<double>(outputs.size());
  }
  s.swd = sliced_wasserstein(outputs, truths);
  return s;
}

namespace {

struct EvaluationContext {
  const StyleWorld& world;
  Stylizer& stylizer;
  ConditionalGenerator& generator;
  const Zoo& seen;
  const Zoo& held_out;
  const StyleEvaluationOptions& options;
  const AllCheckpoints& all;
  const ConditionSets& seen_conditions;  // empty when no held-out style is evaluated
};

// The generated rows, own-style nearness and (seen styles) the memorisation report.
void evaluate_generated(const EvaluationContext& c, const Style& style, const StylePairs& validation,
                        const std::vector<torch::Tensor>& truths, StyleResult& r) {
  const auto& photos = c.world.evaluation_photos();
  const Candidates gen = generate_for(c.generator, c.world.condition_images(style).front(), c.options, c.stylizer, validation);
  std::vector<ImageScores> each;
  for (const auto& a : gen.generated.adapters) each.push_back(score_adapter(c.stylizer, &a, photos, truths));
  r.scores[StyleMethod::GeneratedBest] = each[gen.best()];
  r.scores[StyleMethod::GeneratedMean] = mean_scores(each);
  r.samples = static_cast<int64_t>(each.size());
  r.own_style_nearest = nearest_own(c.seen.layout(), c.all, gen.generated.params, style.name);
  if (!style.held_out) r.memorization = to_json(memorization_report(c.seen, style.name, gen.generated.params, false));
}

StyleResult evaluate_one(const EvaluationContext& c, const Style& style, const std::string& control_style) {
  const Zoo& zoo = style.held_out ? c.held_out : c.seen;
  if (!zoo.has_task(style.name)) throw FileError(zoo.dir(), "has no task for style \"" + style.name + "\"");
  StyleResult r;
  r.style = style.name;
  r.held_out = style.held_out;
  const auto& photos = c.world.evaluation_photos();
  std::vector<torch::Tensor> truths;
  for (const auto& photo : photos) truths.push_back(style.apply(photo));
  const StylePairs validation = style_pairs(style, c.world.tuning_photos(), c.options.validation_pairs, c.options.patch, 4242);
  r.scores[StyleMethod::NoLora] = score_adapter(c.stylizer, nullptr, photos, truths);
  const LoraAdapter best = checkpoint(zoo, style.name, best_row(zoo, style.name));
  r.scores[StyleMethod::BestOriginal] = score_adapter(c.stylizer, &best, photos, truths);
  const LoraAdapter soup = task_soup(zoo, style.name);
  r.scores[StyleMethod::Soup] = score_adapter(c.stylizer, &soup, photos, truths);
  evaluate_generated(c, style, validation, truths, r);
  if (style.held_out) {
    r.nearest_seen_style = nearest_seen_style(c.world, c.seen_conditions, style);
    const LoraAdapter retrieved = checkpoint(c.seen, r.nearest_seen_style, best_row(c.seen, r.nearest_seen_style));
    r.scores[StyleMethod::NearestSeen] = score_adapter(c.stylizer, &retrieved, photos, truths);
  }
  r.control_style = control_style;
  const Candidates control =
      generate_for(c.generator, c.world.condition_images(c.world.style(control_style)).front(), c.options, c.stylizer, validation);
  r.scores[StyleMethod::WrongCondition] = score_adapter(c.stylizer, &control.generated.adapters[control.best()], photos, truths);
  return r;
}

}  // namespace

StyleEvaluation evaluate_styles(const StyleWorld& world, Stylizer& stylizer, ConditionalGenerator& generator,
                                const Zoo& seen, const Zoo& held_out, const StyleEvaluationOptions& o,
                                const StyleEvaluationProgress& progress) {
  if (held_out.has_layout() && !held_out.layout().difference(seen.layout()).empty())
    throw FileError(held_out.dir(), "the held-out zoo's layout differs from the training zoo's: " +
                                        held_out.layout().difference(seen.layout()));
  std::vector<std::string> names = o.styles;
  if (names.empty()) {
    names = seen.tasks();
    for (const auto& t : held_out.tasks()) names.push_back(t);
  }
  const AllCheckpoints all = all_checkpoints(seen, held_out);
  const bool any_held_out = std::any_of(names.begin(), names.end(), [&](const std::string& n) { return world.style(n).held_out; });
  const ConditionSets conditions = any_held_out ? seen_conditions(world, seen) : ConditionSets{};
  const EvaluationContext context{world, stylizer, generator, seen, held_out, o, all, conditions};
  StyleEvaluation ev;
  for (size_t i = 0; i < names.size(); ++i) {
    if (progress && !progress(static_cast<int>(i), static_cast<int>(names.size()), names[i])) {
      ev.cancelled = true;
      break;
    }
    // The control borrows the condition of the style half the list away (another family, as a rule).
    ev.styles.push_back(evaluate_one(context, world.style(names[i]), names[(i + names.size() / 2) % names.size()]));
  }
  return ev;
}

}  // namespace lorastudio
