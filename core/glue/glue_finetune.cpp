#include "core/glue/glue_finetune.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/util/error.h"

namespace lorastudio::glue {

namespace {

struct TrainableLayer {
  std::string path;
  models::AdaptableLinear layer{nullptr};
};

// A layer named like a target (its last path component) and not part of the head, which trains in full.
bool targeted(const std::string& path, const GlueFinetuneOptions& o) {
  const std::string last = path.substr(path.rfind('.') + 1);
  for (const auto& head : o.head_modules) {
    if (path == head || path.rfind(head + ".", 0) == 0) return false;
  }
  return std::find(o.targets.begin(), o.targets.end(), last) != o.targets.end() && path.rfind("classifier", 0) != 0;
}

std::vector<TrainableLayer> target_layers(models::BertClassifier& classifier, const GlueFinetuneOptions& o) {
  std::vector<TrainableLayer> out;
  for (const auto& m : classifier->named_modules("", false)) {
    auto linear = std::dynamic_pointer_cast<models::AdaptableLinearImpl>(m.value());
    if (linear && targeted(m.key(), o)) out.push_back({m.key(), models::AdaptableLinear(linear)});
  }
  if (out.empty()) throw Error("fine-tuning: no layer of the model is named like the LoRA targets");
  return out;
}

// Puts the model back as it was: no LoRA branches, its head values and requires_grad flags restored.
class ModelRestorer {
 public:
  ModelRestorer(models::BertClassifier& model, std::vector<TrainableLayer>& layers) : model_(model), layers_(layers) {
    for (const auto& p : model->named_parameters()) saved_.push_back({p.value(), p.value().detach().clone(), p.value().requires_grad()});
  }
  ~ModelRestorer() {
    torch::NoGradGuard no_grad;
    for (auto& l : layers_) l.layer->branches.clear();
    for (auto& s : saved_) {
      s.tensor.copy_(s.copy);
      s.tensor.requires_grad_(s.requires_grad);
    }
    model_->eval();
  }

 private:
  struct Saved {
    torch::Tensor tensor, copy;
    bool requires_grad;
  };
  models::BertClassifier& model_;
  std::vector<TrainableLayer>& layers_;
  std::vector<Saved> saved_;
};

std::vector<torch::Tensor> head_tensors(models::BertClassifier& classifier, const std::vector<std::string>& modules) {
  std::vector<torch::Tensor> out;
  auto params = classifier->named_parameters();
  for (const auto& name : head_parameter_names(classifier, modules)) out.push_back(params[name]);
  return out;
}

std::vector<torch::Tensor> attach_branches(std::vector<TrainableLayer>& layers, const GlueFinetuneOptions& o) {
  torch::manual_seed(o.init_seed);
  std::vector<torch::Tensor> params;
  for (auto& l : layers) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(l.layer->in_features()));  // PEFT's kaiming_uniform(√5)
    auto A = torch::empty({o.rank, l.layer->in_features()}).uniform_(-bound, bound).requires_grad_(true);
    auto B = torch::zeros({l.layer->out_features(), o.rank}).requires_grad_(true);
    l.layer->branches.push_back({A, B, o.alpha / static_cast<double>(o.rank)});
    params.push_back(A);
    params.push_back(B);
  }
  return params;
}

LoraAdapter snapshot(const std::vector<TrainableLayer>& layers, models::BertClassifier& classifier,
                     const GlueFinetuneOptions& o) {
  LoraAdapter a;
  for (const auto& l : layers) {
    LoraModule m;
    m.path = l.path;
    m.A = l.layer->branches.front().A.detach().clone();
    m.B = l.layer->branches.front().B.detach().clone();
    m.alpha = o.alpha;
    a.modules.push_back(m);
  }
  a.task_type = "SEQ_CLS";
  a.target_modules = o.targets;
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
  std::vector<TrainableLayer> layers = target_layers(classifier, o);
  ModelRestorer restore(classifier, layers);
  for (auto& p : classifier->parameters()) p.requires_grad_(false);
  std::vector<torch::Tensor> lora = attach_branches(layers, o);
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
  std::mt19937_64 rng(o.seed);
  std::vector<int64_t> order(train.size());
  for (int64_t i = 0; i < train.size(); ++i) order[i] = i;
  size_t cursor = order.size();
  GlueFinetuneResult result;
  const int64_t freeze_at = o.steps - o.keep_last;
  double running = 0;
  classifier->train();
  for (int64_t step = 0; step < o.steps; ++step) {
    std::vector<int64_t> rows;
    while (static_cast<int64_t>(rows.size()) < std::min(o.batch, train.size())) {
      if (cursor == order.size()) {
        std::shuffle(order.begin(), order.end(), rng);
        cursor = 0;
      }
      rows.push_back(order[cursor++]);
    }
    const Batch b = make_batch(train, rows);
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
