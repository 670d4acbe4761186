#include "core/generator/word_vector_condition_encoder.h"

#include "core/generator/pretrained_condition_encoders.h"
#include "core/text/sif_text_encoder.h"

namespace lorastudio {

namespace {

struct WordVectorConditionEncoderImpl : ConditionEncoderImpl {
  explicit WordVectorConditionEncoderImpl(text::WordVectors vectors)
      : sif(std::move(vectors)), dim(sif.vectors().dimensions()) {
    device_anchor = register_buffer("device_anchor", torch::zeros({0}));
  }
  torch::Tensor encode(const std::vector<ConditionInput>& conditions) override {
    std::vector<torch::Tensor> rows;
    for (const ConditionInput& c : conditions) {
      const torch::Tensor e = sif.encode(condition_text(c));
      const double norm = e.norm().item<double>();
      rows.push_back(norm > 0 ? e / norm : e);
    }
    return torch::stack(rows).to(device_anchor.device());
  }
  int64_t output_dim() const override { return dim; }

  text::SifTextEncoder sif;
  int64_t dim;
  torch::Tensor device_anchor;  // follows .to(device); not saved (the generator saves encoders with parameters only)
};

}  // namespace

std::shared_ptr<ConditionEncoderImpl> make_word_vector_condition_encoder(const ConditionEncoderConfig& c) {
  text::WordVectors vectors = c.model.empty() ? text::WordVectors::cached() : text::WordVectors::load(c.model);
  return std::make_shared<WordVectorConditionEncoderImpl>(std::move(vectors));
}

}  // namespace lorastudio
