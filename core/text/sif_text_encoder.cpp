#include "core/text/sif_text_encoder.h"

#include <cmath>

#include "core/text/unicode_text.h"
#include "core/util/error.h"

namespace lorastudio::text {

SifTextEncoder::SifTextEncoder(WordVectors vectors, SifOptions options)
    : vectors_(std::move(vectors)), options_(options) {
  if (vectors_.size() == 0) throw Error("SIF text encoder: no word vectors");
  harmonic_ = std::log(static_cast<double>(options_.zipf_vocabulary)) + 0.5772156649;
  if (vectors_.common_component.defined()) set_common_component(vectors_.common_component);
}

WordVectors SifTextEncoder::vectors_with_component() const {
  WordVectors out = vectors_;
  out.common_component = common_;
  return out;
}

std::vector<std::string> SifTextEncoder::words_of(const std::string& text) {
  std::vector<std::string> out;
  std::u32string current;
  auto flush = [&] {
    if (!current.empty()) out.push_back(encode_utf8(current));
    current.clear();
  };
  for (char32_t c : to_lower(decode_utf8(text))) {
    if (is_letter(c) || is_number(c)) current.push_back(c);
    else flush();
  }
  flush();
  return out;
}

double SifTextEncoder::weight(const std::string& word) const {
  const auto row = vectors_.row(word);
  if (!row) return 0.0;
  const double p = 1.0 / ((static_cast<double>(vectors_.ranks[static_cast<size_t>(*row)]) + 1.0) * harmonic_);
  return options_.a / (options_.a + p);
}

torch::Tensor SifTextEncoder::average(const std::string& text) const {
  torch::Tensor sum = torch::zeros({vectors_.dimensions()}, torch::kFloat);
  int64_t count = 0;
  for (const std::string& w : words_of(text)) {
    const auto row = vectors_.row(w);
    if (!row) continue;
    sum += vectors_.vectors[*row] * weight(w);
    ++count;
  }
  return count ? sum / static_cast<double>(count) : sum;
}

void SifTextEncoder::fit_common_component(const std::vector<std::string>& corpus) {
  if (corpus.empty()) throw Error("SIF text encoder: no texts to fit the common component on");
  std::vector<torch::Tensor> rows;
  for (const std::string& t : corpus) rows.push_back(average(t));
  const torch::Tensor m = torch::stack(rows).to(torch::kDouble);
  torch::Tensor u, s, v;
  std::tie(u, s, v) = torch::svd(m);  // m = u · diag(s) · vᵀ
  torch::Tensor direction = v.select(1, 0).to(torch::kFloat);
  if (direction.sum().item<double>() < 0) direction = -direction;  // a fixed sign
  common_ = direction.contiguous();
}

void SifTextEncoder::set_common_component(const torch::Tensor& unit_direction) {
  if (unit_direction.defined() && (unit_direction.dim() != 1 || unit_direction.size(0) != vectors_.dimensions())) {
    throw Error("SIF text encoder: the common component must hold " + std::to_string(vectors_.dimensions()) + " values");
  }
  common_ = unit_direction.defined() ? unit_direction.to(torch::kFloat).contiguous() : torch::Tensor();
}

torch::Tensor SifTextEncoder::encode(const std::string& text) const {
  torch::Tensor e = average(text);
  if (common_.defined()) e = e - common_ * torch::dot(common_, e);
  return e;
}

torch::Tensor SifTextEncoder::encode(const std::vector<std::string>& texts) const {
  std::vector<torch::Tensor> rows;
  for (const std::string& t : texts) rows.push_back(encode(t));
  return torch::stack(rows);
}

std::vector<std::string> SifTextEncoder::unknown_words(const std::string& text) const {
  std::vector<std::string> out;
  for (const std::string& w : words_of(text)) {
    if (!vectors_.row(w)) out.push_back(w);
  }
  return out;
}

}  // namespace lorastudio::text
