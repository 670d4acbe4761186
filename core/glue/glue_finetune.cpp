#include "core/glue/glue_finetune.h"

#include <algorithm>

#include "core/models/lora_training.h"
#include "core/util/error.h"

namespace lorastudio::glue {

namespace {

// The LoRA targets outside the head, which trains in full (and outside any classifier).
std::vector<models::LoraTarget> target_layers(models::BertClassifier& classifier, const GlueFinetuneOptions& o) {
  std::vector<std::string> excluded = o.head_modules;
  excluded.push_back("classifier");
  return models::lora_target_layers(*classifier, o.targets, excluded);
}

std::vector<torch::Tensor> head_tensors(models::BertClassifier& classifier, const std::vector<std::string>& modules) {
  std::vector<torch::Tensor> out;
  auto params = classifier->named_parameters();
  for (const auto& name : head_parameter_names(classifier, modules)) out.push_back(params[name]);
  return out;
}

LoraAdapter snapshot(const std::vector<models::LoraTarget>& layers, models::BertClassifier& classifier,
                     const GlueFinetuneOptions& o) {
  LoraAdapter a = models::snapshot_lora(layers, o.alpha, o.targets, "SEQ_CLS");
  auto params = classifier->named_parameters();
  for (const auto& name : head_parameter_names(classifier, o.head_modules)) a.saved_modules[name] = params[name].detach().clone();
  return a;
}

torch::Tensor task_loss(const torch::Tensor& logits, const Batch& b) {
  if (b.labels.scalar_type() == torch::kFloat) return torch::mse_loss(logits.select(1, 0), b.labels);
  return torch::nn::functional::cross_entropy(logits, b.labels);
}

}  // namespace

std::vector<std::string> head_parameter_names(models::BertClassifier& classifier, const std::vector<std::string>& modules) {
  std::vector<std::string> names;
  for (const auto& p : classifier->named_parameters()) {
    for (const auto& m : modules) {
      if (p.key().rfind(m + ".", 0) == 0) names.push_back(p.key());
    }
  }
  if (names.empty()) throw Error("fine-tuning: the model has no parameters under the head modules given");
  return names;
}

GlueFinetuneResult finetune_glue_lora(models::BertClassifier& classifier, const EncodedSplit& train,
                                      const EncodedSplit& train_sample, const EncodedSplit& dev,
                                      const GlueFinetuneOptions& o, const FinetuneProgress& progress) {
  if (o.keep_last < 1 || o.keep_last > o.steps) throw Error("fine-tuning: keep_last must be between 1 and the steps");
  if (train.size() == 0) throw Error("fine-tuning: the training split is empty");
  std::vector<models::LoraTarget> layers = target_layers(classifier, o);
  models::LoraTrainingGuard restore(*classifier, layers);
  for (auto& p : classifier->parameters()) p.requires_grad_(false);
  std::vector<torch::Tensor> lora = models::attach_lora_branches(layers, o.rank, o.alpha, o.init_seed);
  torch::manual_seed(o.seed);
  std::vector<torch::Tensor> head = head_tensors(classifier, o.head_modules);
  {
    torch::NoGradGuard no_grad;
    auto classifier_head = head_tensors(classifier, {"classifier"});
    for (auto& t : classifier_head) {  // a new classification head for every task
      if (t.dim() == 2) torch::nn::init::normal_(t, 0.0, 0.02);
      else t.zero_();
    }
    for (auto& t : head) t.requires_grad_(true);
  }
  torch::optim::AdamW lora_opt(lora, torch::optim::AdamWOptions(o.lr).weight_decay(0.0));
  torch::optim::AdamW head_opt(head, torch::optim::AdamWOptions(o.head_lr).weight_decay(0.0));
  models::EpochSampler sampler(train.size(), o.seed);
  GlueFinetuneResult result;
  const int64_t freeze_at = o.steps - o.keep_last;
  double running = 0;
  classifier->train();
  for (int64_t step = 0; step < o.steps; ++step) {
    const Batch b = make_batch(train, sampler.next(std::min(o.batch, train.size())));
    const double warm = std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(std::max<int64_t>(1, o.warmup)));
    lora_opt.param_groups()[0].options().set_lr(o.lr * warm);
    head_opt.param_groups()[0].options().set_lr(o.head_lr * warm);
    lora_opt.zero_grad();
    head_opt.zero_grad();
    auto loss = task_loss(classifier(b.ids, b.mask, b.types), b);
    loss.backward();
    lora_opt.step();
    if (step < freeze_at) head_opt.step();
    if (step + 1 == freeze_at)
      for (auto& t : head) t.requires_grad_(false);
    running = step == 0 ? loss.item<double>() : 0.95 * running + 0.05 * loss.item<double>();
    if (step >= freeze_at) {
      GlueCheckpoint c{snapshot(layers, classifier, o), step + 1, 0, {}};
      c.train_score = main_metric(train.split.task, score_classifier(classifier, train_sample));
      if (o.score_dev) c.dev = score_classifier(classifier, dev);
      result.checkpoints.push_back(std::move(c));
      classifier->train();
    }
    if (progress && !progress(step + 1, o.steps, running)) {
      result.cancelled = true;
      return result;
    }
  }
  auto params = classifier->named_parameters();
  for (const auto& name : head_parameter_names(classifier, o.head_modules)) result.head[name] = params[name].detach().clone();
  for (auto& l : layers) l.layer->branches.clear();
  result.head_only_train_score = main_metric(train.split.task, score_classifier(classifier, train_sample));
  if (o.score_dev) result.head_only_dev = score_classifier(classifier, dev);
  return result;
}

}  // namespace lorastudio::glue
