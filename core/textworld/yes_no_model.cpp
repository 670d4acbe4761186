#include "core/textworld/yes_no_model.h"

#include <algorithm>
#include <filesystem>

#include "core/text/vocab_files.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace lorastudio::textworld {

namespace {

int64_t vocabulary_id(const std::vector<std::string>& vocabulary, const std::string& token, const std::string& label) {
  const auto it = std::find(vocabulary.begin(), vocabulary.end(), token);
  if (it == vocabulary.end()) throw FileError(label, "has no \"" + token + "\" token: it cannot answer yes or no");
  return it - vocabulary.begin();
}

}  // namespace

YesNoTexts YesNoTexts::subset(const std::vector<int64_t>& rows) const {
  YesNoTexts out;
  for (int64_t r : rows) {
    out.ids.push_back(ids.at(static_cast<size_t>(r)));
    out.labels.push_back(labels.at(static_cast<size_t>(r)));
  }
  return out;
}

YesNoBatch YesNoBatch::to(const torch::Device& device) const {
  return {ids.to(device), mask.to(device), types.to(device), positions.to(device), labels.to(device)};
}

YesNoModel YesNoModel::load(const std::string& dir) {
  const fs::path vocab = fs::path(dir) / "vocab.txt";
  const std::vector<std::string> vocabulary = text::read_text_lines(vocab);
  auto tokenizer = std::shared_ptr<const text::Tokenizer>(text::load_tokenizer(vocab));
  return YesNoModel(models::load_bert_for_pretraining(dir), tokenizer, vocabulary, vocab.string());
}

YesNoModel::YesNoModel(models::BertForPreTraining model, std::shared_ptr<const text::Tokenizer> tokenizer,
                       const std::vector<std::string>& vocabulary, const std::string& label)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)) {
  cls_ = vocabulary_id(vocabulary, "[CLS]", label);
  sep_ = vocabulary_id(vocabulary, "[SEP]", label);
  mask_ = vocabulary_id(vocabulary, "[MASK]", label);
  yes_ = vocabulary_id(vocabulary, "yes", label);
  no_ = vocabulary_id(vocabulary, "no", label);
  candidates_ = torch::tensor({no_, yes_}, torch::kLong);
}

YesNoTexts YesNoModel::encode(const std::vector<std::string>& texts, const std::vector<int>& labels,
                              int64_t max_length) const {
  if (!labels.empty() && labels.size() != texts.size()) throw Error("yes/no texts: as many labels as texts are needed");
  const size_t room = static_cast<size_t>(std::max<int64_t>(1, (max_length > 0 ? max_length : max_length_) - 4));
  YesNoTexts out;
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<int64_t> ids{cls_};
    for (const auto& t : tokenizer_->tokenize(texts[i])) {
      if (ids.size() > room) break;
      ids.push_back(t.id);
    }
    ids.insert(ids.end(), {sep_, mask_, sep_});
    out.ids.push_back(std::move(ids));
    out.labels.push_back(labels.empty() ? -1 : labels[i]);
  }
  return out;
}

YesNoBatch YesNoModel::batch(const YesNoTexts& texts, const std::vector<int64_t>& rows) const {
  int64_t longest = 1;
  for (int64_t r : rows) longest = std::max<int64_t>(longest, static_cast<int64_t>(texts.ids.at(static_cast<size_t>(r)).size()));
  const auto n = static_cast<int64_t>(rows.size());
  YesNoBatch b;
  b.ids = torch::full({n, longest}, tokenizer_->pad_token().id, torch::kLong);
  b.mask = torch::zeros({n, longest}, torch::kLong);
  b.types = torch::zeros({n, longest}, torch::kLong);
  b.positions = torch::empty({n}, torch::kLong);
  b.labels = torch::empty({n}, torch::kLong);
  auto ids = b.ids.accessor<int64_t, 2>(), mask = b.mask.accessor<int64_t, 2>(), types = b.types.accessor<int64_t, 2>();
  auto positions = b.positions.accessor<int64_t, 1>(), labels = b.labels.accessor<int64_t, 1>();
  for (int64_t i = 0; i < n; ++i) {
    const auto& row = texts.ids[static_cast<size_t>(rows[static_cast<size_t>(i)])];
    const auto len = static_cast<int64_t>(row.size());
    for (int64_t t = 0; t < len; ++t) {
      ids[i][t] = row[static_cast<size_t>(t)];
      mask[i][t] = 1;
      types[i][t] = t >= len - 2 ? 1 : 0;  // [MASK] [SEP] form the second segment
    }
    positions[i] = i * longest + len - 2;
    labels[i] = std::max(0, texts.labels[static_cast<size_t>(rows[static_cast<size_t>(i)])]);
  }
  return b;
}

torch::Tensor YesNoModel::logits(const YesNoBatch& b) {
  return model_->candidate_logits(b.ids, b.mask, b.types, b.positions, candidates_.to(b.ids.device()));
}

std::vector<double> YesNoModel::yes_probability(const YesNoTexts& texts, int64_t chunk) {
  torch::NoGradGuard no_grad;
  const bool was_training = model_->is_training();
  model_->eval();
  const torch::Device device = model_->parameters().front().device();
  std::vector<double> out;
  for (int64_t start = 0; start < texts.size(); start += chunk) {
    std::vector<int64_t> rows;
    for (int64_t i = start; i < std::min(texts.size(), start + chunk); ++i) rows.push_back(i);
    const auto p = torch::softmax(logits(batch(texts, rows).to(device)).to(torch::kFloat), 1).select(1, 1).cpu().contiguous();
    out.insert(out.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
  }
  if (was_training) model_->train();
  return out;
}

double YesNoModel::accuracy(const YesNoTexts& texts, int64_t chunk) {
  return yes_no_accuracy(yes_probability(texts, chunk), texts.labels);
}

double yes_no_accuracy(const std::vector<double>& probabilities, const std::vector<int>& labels) {
  int64_t right = 0, total = 0;
  for (size_t i = 0; i < std::min(probabilities.size(), labels.size()); ++i) {
    if (labels[i] < 0) continue;
    right += (probabilities[i] > 0.5) == (labels[i] == 1);
    ++total;
  }
  return total ? static_cast<double>(right) / static_cast<double>(total) : 0.0;
}

}  // namespace lorastudio::textworld
