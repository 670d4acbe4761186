#include "core/glue/mlm_pretraining.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <tuple>
#include <unordered_set>

#include <torch/torch.h>

#include "core/models/bert_pretraining.h"
#include "core/text/wordpiece_tokenizer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace lorastudio::glue {

namespace {

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool special_token(const std::string& t) {
  return t.size() > 2 && t.front() == '[' && t.back() == ']' && t.rfind("[unused", 0) != 0;
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file.string(), "cannot be read");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  if (lines.empty()) throw FileError(file.string(), "is empty: a WordPiece vocabulary has one token a line");
  return lines;
}

// A corpus entry as the two halves next-sentence prediction pairs: a pair task's two texts, or a single text's
// tokens cut in the middle (its second half empty when it is one token long).
struct Halves {
  std::vector<int64_t> a, b;
};

Halves split_entry(const text::Tokenizer& tokenizer, const std::string& entry) {
  auto ids = [&](const std::string& t) {
    std::vector<int64_t> out;
    for (const auto& token : tokenizer.tokenize(t)) out.push_back(token.id);
    return out;
  };
  const size_t tab = entry.find('\t');
  if (tab != std::string::npos) return {ids(entry.substr(0, tab)), ids(entry.substr(tab + 1))};
  std::vector<int64_t> all = ids(entry);
  const auto half = static_cast<std::ptrdiff_t>(all.size() / 2);
  return {std::vector<int64_t>(all.begin(), all.begin() + half), std::vector<int64_t>(all.begin() + half, all.end())};
}

struct SpecialIds {
  int64_t cls = 0, sep = 0, mask = 0, first_plain = 0;
};

// [CLS] a [SEP] b [SEP] with token types 0 … 0 1 … 1, the longer half cut first to fit max_length.
text::Encoding assemble(std::vector<int64_t> a, std::vector<int64_t> b, const SpecialIds& s, int64_t max_length) {
  while (static_cast<int64_t>(a.size() + b.size()) + (b.empty() ? 2 : 3) > max_length) (a.size() >= b.size() ? a : b).pop_back();
  text::Encoding e;
  e.ids.push_back(s.cls);
  e.ids.insert(e.ids.end(), a.begin(), a.end());
  e.ids.push_back(s.sep);
  e.type_ids.assign(e.ids.size(), 0);
  if (!b.empty()) {
    e.ids.insert(e.ids.end(), b.begin(), b.end());
    e.ids.push_back(s.sep);
    e.type_ids.resize(e.ids.size(), 1);
  }
  return e;
}

// Rows for one step: each entry's halves, its second half swapped for another entry's with probability 1/2
// (label 1, "random"), kept otherwise (label 0); an entry with no second half gets label -100 (not scored).
std::vector<text::Encoding> pair_rows(const std::vector<Halves>& data, const std::vector<size_t>& rows,
                                      const SpecialIds& s, int64_t max_length, std::mt19937_64& rng,
                                      std::vector<int64_t>& labels) {
  std::vector<text::Encoding> out;
  std::uniform_int_distribution<size_t> other(0, data.size() - 1);
  for (size_t r : rows) {
    const Halves& h = data[r];
    int64_t label = h.b.empty() ? -100 : 0;
    const std::vector<int64_t>* b = &h.b;
    if (label == 0 && rng() % 2) {
      size_t o = other(rng);
      if (o == r) o = (o + 1) % data.size();
      if (!data[o].b.empty()) b = &data[o].b, label = 1;
    }
    out.push_back(assemble(h.a, *b, s, max_length));
    labels.push_back(label);
  }
  return out;
}

int64_t token_id(const std::vector<std::string>& vocabulary, const std::string& token) {
  const auto it = std::find(vocabulary.begin(), vocabulary.end(), token);
  if (it == vocabulary.end()) throw Error("the vocabulary has no " + token + " token");
  return it - vocabulary.begin();
}

struct MaskedBatch {
  torch::Tensor ids, mask, types, positions, targets, next_sentence;

  MaskedBatch to(const torch::Device& device) const {
    return {ids.to(device), mask.to(device), types.to(device), positions.to(device), targets.to(device),
            next_sentence.to(device)};
  }
};

// BERT's masking of the step's rows: 15% of the real, non-special tokens (at least one per batch).
MaskedBatch mask_batch(const std::vector<text::Encoding>& rows, const std::vector<int64_t>& next_sentence,
                       const text::Tokenizer& tokenizer, const SpecialIds& s, double p, std::mt19937_64& rng) {
  int64_t longest = 1;
  for (const auto& r : rows) longest = std::max<int64_t>(longest, static_cast<int64_t>(r.size()));
  const auto n = static_cast<int64_t>(rows.size());
  MaskedBatch b;
  b.ids = torch::full({n, longest}, tokenizer.pad_token().id, torch::kLong);
  b.mask = torch::zeros({n, longest}, torch::kLong);
  b.types = torch::zeros({n, longest}, torch::kLong);
  std::vector<int64_t> positions, targets;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<int64_t> random_token(s.first_plain, tokenizer.vocab_size() - 1);
  auto ids = b.ids.accessor<int64_t, 2>(), mask = b.mask.accessor<int64_t, 2>(), types = b.types.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const text::Encoding& e = rows[i];
    for (size_t t = 0; t < e.size(); ++t) {
      ids[i][t] = e.ids[t];
      mask[i][t] = 1;
      types[i][t] = e.type_ids.empty() ? 0 : e.type_ids[t];
      if (tokenizer.is_special(e.ids[t]) || (u(rng) >= p && !(positions.empty() && i == n - 1 && t + 2 == e.size())))
        continue;
      positions.push_back(i * longest + static_cast<int64_t>(t));
      targets.push_back(e.ids[t]);
      const double roll = u(rng);
      if (roll < 0.8) ids[i][t] = s.mask;
      else if (roll < 0.9) ids[i][t] = random_token(rng);
    }
  }
  b.positions = torch::tensor(positions, torch::kLong);
  b.targets = torch::tensor(targets, torch::kLong);
  b.next_sentence = torch::tensor(next_sentence, torch::kLong);
  return b;
}

// The entries `rows` as next-sentence pairs, masked: one training (or evaluation) step.
MaskedBatch make_step(const std::vector<Halves>& data, const std::vector<size_t>& rows, const text::Tokenizer& tokenizer,
                      const SpecialIds& s, const MlmOptions& o, std::mt19937_64& rng) {
  std::vector<int64_t> labels;
  const std::vector<text::Encoding> encoded = pair_rows(data, rows, s, o.max_length, rng, labels);
  return mask_batch(encoded, labels, tokenizer, s, o.mask_probability, rng);
}

torch::Tensor pretraining_loss(models::BertForPreTraining& model, const MaskedBatch& b) {
  const models::PretrainingLogits logits = model(b.ids, b.mask, b.types, b.positions);
  auto nsp = torch::nn::functional::cross_entropy(
      logits.next_sentence, b.next_sentence, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
  return torch::nn::functional::cross_entropy(logits.masked, b.targets) + nsp;
}

double learning_rate(const MlmOptions& o, int64_t step) {
  const double warm = std::max(1.0, o.warmup * static_cast<double>(o.steps));
  if (step < warm) return o.lr * (step + 1) / warm;
  return o.lr * std::max(0.0, (o.steps - step) / std::max(1.0, o.steps - warm));
}

std::vector<torch::optim::OptimizerParamGroup> parameter_groups(torch::nn::Module& model, double weight_decay) {
  std::vector<torch::Tensor> decayed, plain;
  for (const auto& p : model.named_parameters()) {
    const bool no_decay = p.key().find("LayerNorm") != std::string::npos || p.key().find("bias") != std::string::npos;
    (no_decay ? plain : decayed).push_back(p.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions().weight_decay(weight_decay)));
  groups.emplace_back(plain, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions().weight_decay(0.0)));
  return groups;
}

// Masked-token and next-sentence accuracy on held-back entries, masked and paired as in training (fixed seed).
std::pair<double, double> held_out_accuracy(models::BertForPreTraining& model, const std::vector<Halves>& data,
                                            const text::Tokenizer& tokenizer, const SpecialIds& s, const MlmOptions& o) {
  torch::NoGradGuard no_grad;
  model->eval();
  std::mt19937_64 rng(o.seed + 99);
  int64_t right = 0, total = 0, nsp_right = 0, nsp_total = 0;
  for (size_t start = 0; start < data.size(); start += static_cast<size_t>(o.batch)) {
    std::vector<size_t> rows;
    for (size_t i = start; i < std::min(data.size(), start + static_cast<size_t>(o.batch)); ++i) rows.push_back(i);
    const MaskedBatch b = make_step(data, rows, tokenizer, s, o, rng).to(torch::Device(o.device));
    const models::PretrainingLogits logits = model(b.ids, b.mask, b.types, b.positions);
    right += logits.masked.argmax(1).eq(b.targets).sum().item<int64_t>();
    total += b.targets.numel();
    const auto scored = b.next_sentence.ne(-100);
    nsp_right += logits.next_sentence.argmax(1).eq(b.next_sentence).logical_and(scored).sum().item<int64_t>();
    nsp_total += scored.sum().item<int64_t>();
  }
  model->train();
  return {total ? static_cast<double>(right) / static_cast<double>(total) : 0.0,
          nsp_total ? static_cast<double>(nsp_right) / static_cast<double>(nsp_total) : 0.0};
}

}  // namespace

std::vector<std::string> glue_training_corpus(const fs::path& glue_dir, const std::vector<GlueTask>& tasks) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (GlueTask t : tasks) {
    for (const GlueExample& e : read_glue_split(glue_dir, t, "train").examples) {
      std::string text = e.text_b.empty() ? e.text_a : e.text_a + "\t" + e.text_b;
      if (seen.insert(text).second) out.push_back(std::move(text));
    }
  }
  return out;
}

std::vector<std::string> trim_wordpiece_vocabulary(const fs::path& vocab_file, const std::vector<std::string>& corpus) {
  const std::vector<std::string> lines = read_lines(vocab_file);
  text::WordPieceTokenizer tokenizer(vocab_file);
  std::unordered_set<std::string> used;
  for (const std::string& line : corpus) {
    for (const text::Token& t : tokenizer.tokenize(line)) used.insert(t.text);
  }
  std::vector<std::string> kept;
  for (const std::string& t : lines) {
    const bool single = utf8_length(t) == 1 || (t.rfind("##", 0) == 0 && utf8_length(t) == 3);
    if (special_token(t) || single || used.count(t)) kept.push_back(t);
  }
  return kept;
}

MlmResult pretrain_mlm(const std::vector<std::string>& corpus, const std::vector<std::string>& vocabulary,
                       const MlmOptions& o, const MlmProgress& progress) {
  if (o.out_dir.empty()) throw Error("pretraining: no output directory");
  if (corpus.size() < 2) throw Error("pretraining: the corpus holds fewer than two texts");
  fs::create_directories(o.out_dir);
  std::string vocab_text;
  for (const auto& t : vocabulary) vocab_text += t + "\n";
  write_file_atomically((fs::path(o.out_dir) / "vocab.txt").string(), vocab_text);
  text::WordPieceTokenizer tokenizer(fs::path(o.out_dir) / "vocab.txt");
  SpecialIds special{token_id(vocabulary, "[CLS]"), token_id(vocabulary, "[SEP]"), token_id(vocabulary, "[MASK]"), 0};
  while (special.first_plain < tokenizer.vocab_size() && special_token(vocabulary[special.first_plain])) ++special.first_plain;

  std::vector<Halves> train, held;
  for (size_t i = 0; i < corpus.size(); ++i) (i % 50 == 49 ? held : train).push_back(split_entry(tokenizer, corpus[i]));

  torch::manual_seed(o.seed);
  models::BertConfig config = o.model;
  config.vocab_size = tokenizer.vocab_size();
  config.pad_token_id = tokenizer.pad_token().id;
  config.max_positions = std::max(config.max_positions, o.max_length);
  models::BertForPreTraining model(config);
  if (o.initialise) {
    torch::NoGradGuard no_grad;
    o.initialise(model, tokenizer);
  }
  const torch::Device device(o.device);
  model->to(device);
  model->train();
  torch::optim::AdamW optimizer(parameter_groups(*model, o.weight_decay), torch::optim::AdamWOptions(o.lr));

  MlmResult result;
  result.texts = static_cast<int64_t>(corpus.size());
  for (const auto& p : model->parameters()) result.parameters += p.numel();
  std::mt19937_64 rng(o.seed);
  std::vector<size_t> order(train.size());  // an epoch's order of the entries
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  size_t cursor = order.size();
  std::vector<double> recent;
  for (int64_t step = 0; step < o.steps; ++step) {
    std::vector<size_t> rows;
    while (static_cast<int64_t>(rows.size()) < o.batch) {
      if (cursor == order.size()) {
        std::shuffle(order.begin(), order.end(), rng);
        cursor = 0;
      }
      rows.push_back(order[cursor++]);
    }
    const MaskedBatch b = make_step(train, rows, tokenizer, special, o, rng).to(device);
    for (auto& g : optimizer.param_groups()) g.options().set_lr(learning_rate(o, step));
    optimizer.zero_grad();
    auto loss = pretraining_loss(model, b);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();
    recent.push_back(loss.item<double>());
    if (recent.size() > 100) recent.erase(recent.begin());
    result.final_loss = 0;
    for (double v : recent) result.final_loss += v / static_cast<double>(recent.size());
    if (progress && !progress(step + 1, o.steps, result.final_loss)) {
      result.cancelled = true;
      return result;
    }
  }
  std::tie(result.masked_accuracy, result.next_sentence_accuracy) = held_out_accuracy(model, held, tokenizer, special, o);
  model->eval();
  model->to(torch::kCPU);
  models::save_bert_folder(o.out_dir, *model, config, "BertForPreTraining");
  return result;
}

}  // namespace lorastudio::glue
