#include "core/generator/module_weights.h"

#include <set>

#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"

namespace lorastudio {

void save_module_weights(const torch::nn::Module& module, const std::string& path,
                         const std::map<std::string, std::string>& metadata) {
  std::vector<NamedTensor> tensors;
  for (const auto& p : module.named_parameters()) tensors.push_back({p.key(), p.value().detach()});
  for (const auto& b : module.named_buffers())
    if (b.value().numel() > 0) tensors.push_back({b.key(), b.value().detach()});
  write_safetensors(path, tensors, metadata);
}

void load_module_weights(torch::nn::Module& module, const std::string& path) {
  SafetensorsReader reader(path);
  std::set<std::string> used;
  torch::NoGradGuard no_grad;
  auto load = [&](const std::string& name, torch::Tensor& target) {
    if (target.numel() == 0 && !reader.contains(name)) return;
    if (!reader.contains(name)) throw FileError(path, "has no weight \"" + name + "\" for the model");
    torch::Tensor t = reader.tensor(name);
    if (t.sizes() != target.sizes()) {
      std::ostringstream s;
      s << "weight \"" << name << "\" has shape " << t.sizes() << " but the model expects " << target.sizes();
      throw FileError(path, s.str());
    }
    target.copy_(t.to(target.device(), target.scalar_type()));
    used.insert(name);
  };
  for (auto& p : module.named_parameters()) load(p.key(), p.value());
  for (auto& b : module.named_buffers()) load(b.key(), b.value());
  for (const auto& n : reader.names())
    if (!used.count(n)) throw FileError(path, "holds weight \"" + n + "\" that the model does not have (wrong config?)");
}

void copy_module_weights(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto src = from.named_parameters();
  for (auto& p : to.named_parameters()) p.value().copy_(src[p.key()]);
  auto srcb = from.named_buffers();
  for (auto& b : to.named_buffers()) b.value().copy_(srcb[b.key()]);
}

void round_module_weights(torch::nn::Module& module, torch::ScalarType storage) {
  torch::NoGradGuard no_grad;
  const auto round = [storage](torch::Tensor& t) {
    if (t.is_floating_point()) t.copy_(t.to(storage));
  };
  for (auto& p : module.parameters()) round(p);
  for (auto& b : module.buffers()) round(b);
}

}  // namespace lorastudio
