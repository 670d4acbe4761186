#include "core/models/weight_loading.h"

#include <map>
#include <set>
#include <sstream>

#include "core/io/checkpoint_reader.h"
#include "core/util/error.h"

namespace lorastudio::models {

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// The file's key for the model's `name`: itself, or with an optional prefix added or removed.
std::string file_key(const CheckpointReader& ckpt, const std::string& name, const WeightLoadOptions& o) {
  if (ckpt.contains(name)) return name;
  for (const std::string& p : o.optional_prefixes) {
    if (starts_with(name, p) && ckpt.contains(name.substr(p.size()))) return name.substr(p.size());
    if (ckpt.contains(p + name)) return p + name;
  }
  return {};
}

std::string listed(const std::vector<std::string>& names, size_t most = 8) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < most; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > most) out += " … (" + std::to_string(names.size() - most) + " more)";
  return out;
}

}  // namespace

std::string shape_text(torch::IntArrayRef shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

WeightLoadReport load_weights(torch::nn::Module& model, const CheckpointReader& ckpt, const WeightLoadOptions& o) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : model.named_parameters(true)) targets[p.key()] = p.value();
  for (const auto& b : model.named_buffers(true)) targets[b.key()] = b.value();
  WeightLoadReport report;
  std::vector<std::string> missing, misshaped, unexpected;
  std::set<std::string> used;
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    std::string key = file_key(ckpt, name, o);
    if (key.empty()) {
      bool optional = false;
      for (const std::string& p : o.may_be_missing) optional |= starts_with(name, p);
      (optional ? report.left_initialised : missing).push_back(name);
      continue;
    }
    used.insert(key);
    const auto& info = ckpt.info(key);
    if (torch::IntArrayRef(info.shape) != target.sizes()) {
      misshaped.push_back(key + " is " + shape_text(info.shape) + " in the file, the model needs " +
                          shape_text(target.sizes()));
      continue;
    }
    target.copy_(ckpt.tensor(key));
    ++report.loaded;
  }
  for (const std::string& key : ckpt.names()) {
    if (used.count(key)) continue;
    bool skip = false;
    for (const std::string& s : o.ignored) skip |= ends_with(key, s);
    (skip ? report.ignored : unexpected).push_back(key);
  }
  if (!missing.empty() || !misshaped.empty() || !unexpected.empty()) {
    std::string problem = "does not fit the model" +
                          (o.config_summary.empty() ? std::string() : " its config describes (" + o.config_summary + ")");
    if (!misshaped.empty()) problem += "; shapes differ: " + listed(misshaped, 4);
    if (!missing.empty()) problem += "; missing tensors: " + listed(missing);
    if (!unexpected.empty()) problem += "; unexpected tensors: " + listed(unexpected);
    throw FileError(ckpt.source_path(), problem);
  }
  return report;
}

}  // namespace lorastudio::models
