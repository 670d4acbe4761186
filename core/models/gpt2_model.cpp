#include "core/models/gpt2_model.h"

#include <cmath>
#include <filesystem>

#include "core/io/checkpoint_reader.h"
#include "core/models/attention.h"
#include "core/models/weight_loading.h"
#include "core/util/error.h"

namespace lorastudio::models {

std::string Gpt2Config::summary() const {
  return "gpt2: " + std::to_string(n_layer) + " layers, hidden " + std::to_string(n_embd) + ", " +
         std::to_string(n_head) + " heads, vocabulary " + std::to_string(vocab_size);
}

Gpt2Config Gpt2Config::from(const HfConfig& hf) {
  if (!hf.model_type.empty() && hf.model_type != "gpt2") {
    throw FileError(hf.path, "describes a '" + hf.model_type + "' model, not GPT-2");
  }
  Gpt2Config c;
  JsonReader r = hf.reader();
  c.vocab_size = r.int_at("vocab_size", 1, 1 << 24);
  c.n_embd = r.int_at("n_embd", 1, 1 << 16);
  c.n_layer = r.int_at("n_layer", 1, 1024);
  c.n_head = r.int_at("n_head", 1, 1024);
  r.read("n_positions", c.n_positions, 1, 1 << 20);
  if (hf.json.contains("n_inner") && !hf.json["n_inner"].is_null()) r.read("n_inner", c.n_inner, 1, 1 << 20);
  r.read("layer_norm_epsilon", c.layer_norm_epsilon, 0.0, 1.0, Bound::Open);
  std::string act = "gelu_new";
  r.read("activation_function", act);
  c.activation = activation_from_name(act, hf.path);
  r.read("scale_attn_weights", c.scale_attn_weights);
  r.read("scale_attn_by_inverse_layer_idx", c.scale_attn_by_inverse_layer_idx);
  if (hf.json.contains("eos_token_id") && hf.json["eos_token_id"].is_number_integer()) {
    c.eos_token_id = hf.json["eos_token_id"];
  }
  if (c.n_embd % c.n_head != 0) r.fail("n_head", "does not divide n_embd " + std::to_string(c.n_embd));
  return c;
}

Gpt2ModelImpl::Gpt2ModelImpl(const Gpt2Config& config) : config_(config) {
  auto transformer = child_module(*this, "transformer");
  const int64_t e = config.n_embd;
  wte_ = transformer->register_module("wte", torch::nn::Embedding(config.vocab_size, e));
  wpe_ = transformer->register_module("wpe", torch::nn::Embedding(config.n_positions, e));
  auto h = child_module(*transformer, "h");
  auto norm = [&](double eps) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({e}).eps(eps)); };
  for (int64_t i = 0; i < config.n_layer; ++i) {
    auto block = child_module(*h, std::to_string(i));
    auto attn = child_module(*block, "attn");
    auto mlp = child_module(*block, "mlp");
    Block b;
    b.ln_1 = block->register_module("ln_1", norm(config.layer_norm_epsilon));
    b.c_attn = attn->register_module("c_attn", AdaptableLinear(e, 3 * e, true, true));
    b.attn_proj = attn->register_module("c_proj", AdaptableLinear(e, e, true, true));
    b.ln_2 = block->register_module("ln_2", norm(config.layer_norm_epsilon));
    b.c_fc = mlp->register_module("c_fc", AdaptableLinear(e, config.inner(), true, true));
    b.mlp_proj = mlp->register_module("c_proj", AdaptableLinear(config.inner(), e, true, true));
    blocks_.push_back(b);
  }
  ln_f_ = transformer->register_module("ln_f", norm(config.layer_norm_epsilon));
}

torch::Tensor Gpt2ModelImpl::run_block(size_t index, const torch::Tensor& x, const torch::Tensor& mask,
                                       Gpt2Cache* cache) {
  Block& b = blocks_[index];
  auto qkv = b.c_attn(b.ln_1(x)).split(config_.n_embd, -1);
  auto q = split_heads(qkv[0], config_.n_head), k = split_heads(qkv[1], config_.n_head),
       v = split_heads(qkv[2], config_.n_head);
  if (cache) {
    if (cache->keys[index].defined()) {
      k = torch::cat({cache->keys[index], k}, 2);
      v = torch::cat({cache->values[index], v}, 2);
    }
    cache->keys[index] = k;
    cache->values[index] = v;
  }
  double scale = config_.scale_attn_weights ? 1.0 / std::sqrt(static_cast<double>(q.size(-1))) : 1.0;
  if (config_.scale_attn_by_inverse_layer_idx) scale /= static_cast<double>(index + 1);
  auto attended = x + b.attn_proj(merge_heads(attend(q, k, v, {mask, true}, scale)));
  return attended + b.mlp_proj(activate(b.c_fc(b.ln_2(attended)), config_.activation));
}

torch::Tensor Gpt2ModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                     Gpt2Cache* cache) {
  if (cache && cache->keys.empty()) {
    cache->keys.resize(blocks_.size());
    cache->values.resize(blocks_.size());
  }
  const int64_t past = cache ? cache->length() : 0, length = input_ids.size(1);
  if (past + length > config_.n_positions) {
    throw Error("the text is " + std::to_string(past + length) + " tokens long; this GPT-2 takes at most " +
                std::to_string(config_.n_positions));
  }
  auto positions = torch::arange(past, past + length, input_ids.options()).unsqueeze(0);
  auto x = wte_(input_ids) + wpe_(positions);
  torch::Tensor mask = attention_mask.defined() ? padding_mask(attention_mask, x.scalar_type()) : torch::Tensor();
  for (size_t i = 0; i < blocks_.size(); ++i) x = run_block(i, x, mask, cache);
  return torch::nn::functional::linear(ln_f_(x), wte_->weight);
}

namespace {

torch::Tensor next_tokens(const torch::Tensor& logits, const GenerationOptions& o, torch::Generator& rng) {
  if (!o.sample) return logits.argmax(-1);
  auto scores = logits.to(torch::kFloat) / std::max(o.temperature, 1e-6);
  if (o.top_k > 0 && o.top_k < scores.size(-1)) {
    auto kth = std::get<0>(scores.topk(o.top_k, -1)).select(-1, o.top_k - 1).unsqueeze(-1);
    scores = scores.masked_fill(scores < kth, -std::numeric_limits<float>::infinity());
  }
  if (o.top_p < 1.0) {  // keep the smallest set of tokens whose probability reaches top_p
    auto [sorted, order] = scores.sort(-1, true);
    auto cumulative = sorted.softmax(-1).cumsum(-1);
    auto drop_sorted = (cumulative - sorted.softmax(-1)) >= o.top_p;
    auto drop = torch::zeros_like(drop_sorted).scatter(-1, order, drop_sorted);
    scores = scores.masked_fill(drop, -std::numeric_limits<float>::infinity());
  }
  return torch::multinomial(scores.softmax(-1), 1, false, rng).squeeze(-1);
}

}  // namespace

torch::Tensor generate(Gpt2Model& model, const torch::Tensor& prompt, const GenerationOptions& o) {
  torch::NoGradGuard no_grad;
  auto rng = torch::make_generator<torch::CPUGeneratorImpl>(o.seed);
  Gpt2Cache cache;
  torch::Tensor sequence = prompt, step_input = prompt;
  auto finished = torch::zeros({prompt.size(0)}, torch::TensorOptions().dtype(torch::kBool).device(prompt.device()));
  const int64_t eos = model->config().eos_token_id;
  for (int64_t i = 0; i < o.max_new_tokens; ++i) {
    auto logits = model->forward(step_input, {}, &cache).select(1, -1);
    auto next = next_tokens(logits.cpu(), o, rng).to(prompt.device());
    next = torch::where(finished, torch::full_like(next, eos), next);  // finished rows keep padding with eos
    sequence = torch::cat({sequence, next.unsqueeze(1)}, 1);
    finished = finished | next.eq(eos);
    if (o.stop_at_eos && finished.all().item<bool>()) break;
    step_input = next.unsqueeze(1);
  }
  return sequence;
}

Gpt2Model load_gpt2(const std::string& path) {
  HfConfig hf = read_hf_config_of_model(path);
  Gpt2Config config = Gpt2Config::from(hf);
  Gpt2Model model(config);
  CheckpointReader checkpoint(path);
  WeightLoadOptions options;
  options.optional_prefixes = {"transformer."};
  options.ignored = {".attn.bias", ".attn.masked_bias", "lm_head.weight"};
  options.config_summary = config.summary();
  load_weights(*model, checkpoint, options);
  model->eval();
  return model;
}

}  // namespace lorastudio::models
