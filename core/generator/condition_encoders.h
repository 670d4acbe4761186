#pragma once
// The concrete condition encoders (see condition_encoder.h).
#include "core/generator/condition_encoder.h"

namespace lorastudio {

struct HashedTextEncoderImpl : ConditionEncoderImpl {
  explicit HashedTextEncoderImpl(int64_t dim);
  torch::Tensor encode(const std::vector<ConditionInput>& conditions) override;
  int64_t output_dim() const override { return dim; }
  torch::Tensor encode_text(const std::string& text, const std::vector<std::string>& examples) const;  // [dim]
  int64_t dim;
  torch::Tensor device_anchor;  // an empty buffer that follows .to(device)
};

struct TaskOneHotEncoderImpl : ConditionEncoderImpl {
  explicit TaskOneHotEncoderImpl(int64_t num_tasks);
  torch::Tensor encode(const std::vector<ConditionInput>& conditions) override;
  int64_t output_dim() const override { return num_tasks; }
  int64_t num_tasks;
  torch::Tensor device_anchor;
};

struct LearnedTaskEncoderImpl : ConditionEncoderImpl {
  LearnedTaskEncoderImpl(int64_t num_tasks, int64_t dim);
  torch::Tensor encode(const std::vector<ConditionInput>& conditions) override;
  int64_t output_dim() const override { return dim; }
  int64_t dim;
  torch::nn::Embedding table{nullptr};
};

struct ImageConditionEncoderImpl : ConditionEncoderImpl {
  ImageConditionEncoderImpl(int64_t dim, int64_t image_size);
  torch::Tensor encode(const std::vector<ConditionInput>& conditions) override;
  int64_t output_dim() const override { return dim; }
  int64_t dim, image_size;
  torch::nn::Sequential features{nullptr};
  torch::nn::Linear head{nullptr};
};

}  // namespace lorastudio
