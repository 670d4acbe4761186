#include "core/models/model_adapters.h"

#include "core/math/lora_math.h"
#include "core/models/weight_loading.h"
#include "core/util/error.h"

namespace lorastudio::models {

namespace {

bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// The model's module or tensor called `path`, or the one whose name ends with ".path" when exactly one does (an
// adapter saved on a bare encoder, applied to its classifier).
template <typename Item, typename Items>
Item find_named(const Items& items, const std::string& path, const char* what) {
  Item found{};
  int matches = 0;
  for (const auto& item : items) {
    if (item.key() == path) return item.value();
    if (ends_with(item.key(), "." + path)) {
      found = item.value();
      ++matches;
    }
  }
  if (matches == 1) return found;
  throw Error(std::string("the adapter's ") + what + " '" + path + "' is not in this model" +
              (matches > 1 ? " (several layers end with that name)" : ""));
}

}  // namespace

std::string to_string(AdapterMode mode) { return mode == AdapterMode::Merged ? "merged" : "unmerged"; }

AdapterMode adapter_mode_from_string(const std::string& name) {
  if (name == "merged" || name == "merge") return AdapterMode::Merged;
  if (name == "unmerged" || name == "runtime") return AdapterMode::Unmerged;
  throw Error("unknown adapter mode '" + name + "' (expected merged or unmerged)");
}

AttachedAdapter::AttachedAdapter(torch::nn::Module& model, const LoraAdapter& adapter, AdapterMode mode,
                                 double multiplier) {
  attached_ = true;
  try {
    for (const LoraModule& m : adapter.modules) attach_module(model, adapter, m, mode, multiplier);
    for (const auto& [name, value] : adapter.saved_modules) replace_saved(model, name, value);
  } catch (...) {
    detach();
    throw;
  }
}

AttachedAdapter::~AttachedAdapter() { detach(); }

void AttachedAdapter::attach_module(torch::nn::Module& model, const LoraAdapter& adapter, const LoraModule& m,
                                    AdapterMode mode, double multiplier) {
  if (m.is_dora() || m.is_conv()) {
    throw Error("the adapter's module '" + m.path + "' is " + (m.is_dora() ? "DoRA" : "a convolution") +
                ", which these models' linear layers do not take");
  }
  auto module = find_named<std::shared_ptr<torch::nn::Module>>(model.named_modules(), m.path, "module");
  auto* linear = dynamic_cast<AdaptableLinearImpl*>(module.get());
  if (!linear) throw Error("the adapter's module '" + m.path + "' is not a linear layer of this model");
  if (linear->in_features() != m.in_features() || linear->out_features() != m.out_features()) {
    throw Error("the adapter's module '" + m.path + "' is " + m.shape_text() + ", the model's layer is " +
                std::to_string(linear->out_features()) + "x" + std::to_string(linear->in_features()));
  }
  torch::NoGradGuard no_grad;
  if (mode == AdapterMode::Merged) {
    originals_.emplace_back(linear->weight, linear->weight.clone());
    auto delta = delta_weight(adapter, m).to(linear->weight.device()) * multiplier;
    linear->weight.add_((linear->in_out_layout() ? delta.t() : delta).to(linear->weight.dtype()));
    return;
  }
  auto device = linear->weight.device();
  linear->branches.push_back({m.A.to(device, torch::kFloat), m.B.to(device, torch::kFloat), adapter.scale(m) * multiplier});
  layers_.push_back(AdaptableLinear(std::dynamic_pointer_cast<AdaptableLinearImpl>(module)));
}

void AttachedAdapter::replace_saved(torch::nn::Module& model, const std::string& name, const torch::Tensor& value) {
  auto target = find_named<torch::Tensor>(model.named_parameters(true), name, "saved tensor");
  if (target.sizes() != value.sizes()) {
    throw Error("the adapter's saved tensor '" + name + "' is " + shape_text(value.sizes()) + ", the model's is " +
                shape_text(target.sizes()) + " (a head for another number of labels?)");
  }
  torch::NoGradGuard no_grad;
  originals_.emplace_back(target, target.clone());
  target.copy_(value);
}

void AttachedAdapter::detach() {
  if (!attached_) return;
  torch::NoGradGuard no_grad;
  for (auto it = originals_.rbegin(); it != originals_.rend(); ++it) it->first.copy_(it->second);
  for (auto& layer : layers_) {
    if (!layer->branches.empty()) layer->branches.pop_back();
  }
  originals_.clear();
  layers_.clear();
  attached_ = false;
}

}  // namespace lorastudio::models
