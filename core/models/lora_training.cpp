#include "core/models/lora_training.h"

#include <algorithm>
#include <cmath>

#include "core/util/error.h"

namespace lorastudio::models {

std::vector<LoraTarget> lora_target_layers(torch::nn::Module& model, const std::vector<std::string>& targets,
                                           const std::vector<std::string>& excluded) {
  std::vector<LoraTarget> out;
  for (const auto& m : model.named_modules("", false)) {
    auto linear = std::dynamic_pointer_cast<AdaptableLinearImpl>(m.value());
    if (!linear) continue;
    const std::string& path = m.key();
    const bool outside = std::none_of(excluded.begin(), excluded.end(), [&](const std::string& e) {
      return path == e || path.rfind(e + ".", 0) == 0;
    });
    const std::string last = path.substr(path.rfind('.') + 1);
    if (outside && std::find(targets.begin(), targets.end(), last) != targets.end())
      out.push_back({path, AdaptableLinear(linear)});
  }
  if (out.empty()) throw Error("LoRA training: no layer of the model is named like the targets");
  return out;
}

std::vector<torch::Tensor> attach_lora_branches(std::vector<LoraTarget>& layers, int64_t rank, double alpha,
                                                uint64_t init_seed) {
  torch::manual_seed(init_seed);
  std::vector<torch::Tensor> params;
  for (auto& l : layers) {
    const auto& w = l.layer->weight;
    const double bound = 1.0 / std::sqrt(static_cast<double>(l.layer->in_features()));  // PEFT's kaiming_uniform(√5)
    auto A = torch::empty({rank, l.layer->in_features()}).uniform_(-bound, bound).to(w.device()).requires_grad_(true);
    auto B = torch::zeros({l.layer->out_features(), rank}, w.options()).requires_grad_(true);
    l.layer->branches.push_back({A, B, alpha / static_cast<double>(rank)});
    params.push_back(A);
    params.push_back(B);
  }
  return params;
}

LoraAdapter snapshot_lora(const std::vector<LoraTarget>& layers, double alpha, const std::vector<std::string>& targets,
                          const std::string& task_type) {
  LoraAdapter a;
  for (const auto& l : layers) {
    LoraModule m;
    m.path = l.path;
    m.A = l.layer->branches.front().A.detach().to(torch::kCPU, torch::kFloat).clone();
    m.B = l.layer->branches.front().B.detach().to(torch::kCPU, torch::kFloat).clone();
    m.alpha = alpha;
    a.modules.push_back(m);
  }
  a.task_type = task_type;
  a.target_modules = targets;
  return a;
}

LoraTrainingGuard::LoraTrainingGuard(torch::nn::Module& model, std::vector<LoraTarget>& layers)
    : model_(model), layers_(layers) {
  for (const auto& p : model.named_parameters())
    saved_.push_back({p.value(), p.value().detach().clone(), p.value().requires_grad()});
}

LoraTrainingGuard::~LoraTrainingGuard() {
  torch::NoGradGuard no_grad;
  for (auto& l : layers_) l.layer->branches.clear();
  for (auto& s : saved_) {
    s.tensor.copy_(s.copy);
    s.tensor.requires_grad_(s.requires_grad);
  }
  model_.eval();
}

EpochSampler::EpochSampler(int64_t size, uint64_t seed) : order_(static_cast<size_t>(size)), cursor_(order_.size()), rng_(seed) {
  for (int64_t i = 0; i < size; ++i) order_[static_cast<size_t>(i)] = i;
}

std::vector<int64_t> EpochSampler::next(int64_t count) {
  std::vector<int64_t> rows;
  if (order_.empty()) return rows;
  while (static_cast<int64_t>(rows.size()) < count) {
    if (cursor_ == order_.size()) {
      std::shuffle(order_.begin(), order_.end(), rng_);
      cursor_ = 0;
    }
    rows.push_back(order_[cursor_++]);
  }
  return rows;
}

}  // namespace lorastudio::models
