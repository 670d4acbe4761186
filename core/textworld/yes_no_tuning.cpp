#include "core/textworld/yes_no_tuning.h"

#include <algorithm>

#include "core/models/lora_training.h"
#include "core/util/error.h"

namespace lorastudio::textworld {

YesNoTuningResult tune_yes_no_lora(YesNoModel& model, const YesNoTexts& train, const YesNoTexts& train_sample,
                                   const YesNoTexts& dev, const YesNoTuningOptions& o,
                                   const YesNoTuningProgress& progress) {
  if (o.keep_last < 1 || o.keep_last > o.steps) throw Error("fine-tuning: keep_last must be between 1 and the steps");
  if (train.size() == 0) throw Error("fine-tuning: the training split is empty");
  torch::nn::Module& module = *model.module();
  YesNoTuningResult result;
  result.base_train_accuracy = model.accuracy(train_sample);
  result.base_dev_accuracy = model.accuracy(dev);
  std::vector<models::LoraTarget> layers = models::lora_target_layers(module, o.targets, {"cls"});
  models::LoraTrainingGuard restore(module, layers);
  for (auto& p : module.parameters()) p.requires_grad_(false);
  std::vector<torch::Tensor> lora = models::attach_lora_branches(layers, o.rank, o.alpha, o.init_seed);
  if (o.freeze_a) {  // A₀, B₀, A₁, B₁, …: keep the B's
    std::vector<torch::Tensor> b;
    for (size_t i = 0; i < lora.size(); ++i) {
      if (i % 2) b.push_back(lora[i]);
      else lora[i].requires_grad_(false);
    }
    lora = b;
  }
  torch::manual_seed(o.seed);
  torch::optim::AdamW optimizer(lora, torch::optim::AdamWOptions(o.lr).weight_decay(0.0));
  models::EpochSampler sampler(train.size(), o.seed);
  const torch::Device device = lora.front().device();
  const int64_t first_kept = o.steps - o.keep_last;
  double running = 0;
  module.train();
  for (int64_t step = 0; step < o.steps; ++step) {
    const YesNoBatch b = model.batch(train, sampler.next(std::min(o.batch, train.size()))).to(device);
    const double warm = std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(std::max<int64_t>(1, o.warmup)));
    optimizer.param_groups()[0].options().set_lr(o.lr * warm);
    optimizer.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model.logits(b).to(torch::kFloat), b.labels);
    loss.backward();
    optimizer.step();
    running = step == 0 ? loss.item<double>() : 0.95 * running + 0.05 * loss.item<double>();
    if (step >= first_kept) {
      YesNoCheckpoint c{models::snapshot_lora(layers, o.alpha, o.targets, "YES_NO"), step + 1, 0, 0};
      c.train_accuracy = model.accuracy(train_sample);
      c.dev_accuracy = model.accuracy(dev);
      result.checkpoints.push_back(std::move(c));
      module.train();
    }
    if (progress && !progress(step + 1, o.steps, running)) {
      result.cancelled = true;
      return result;
    }
  }
  return result;
}

}  // namespace lorastudio::textworld
