#pragma once
// A model golden of $LORASTUDIO_GOLDEN/models/<name>: its tensors (golden.safetensors) and the tolerance its
// golden.json states ("max abs 1e-4"), read from the files so that another golden set passes unchanged.
#include <string>

#include <torch/torch.h>

namespace lorastudio::test {

struct ModelGolden {
  std::string dir;
  double tolerance = 0;
  torch::Tensor operator[](const std::string& name) const;
  bool has(const std::string& name) const;
};

// A golden absent from this set gives tolerance 0: callers skip on LS_REQUIRE_FILE of its files first.
ModelGolden model_golden(const std::string& name);

// max |a - b| over the positions where `mask` (broadcastable, 0/1) is 1; the whole tensors when it is undefined.
double max_abs_difference(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask = {});

}  // namespace lorastudio::test
