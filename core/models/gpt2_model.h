#pragma once
// GPT-2 (GPT2LMHeadModel) as transformers computes it in eval mode: learned positions, pre-norm blocks with
// Conv1D layers (weights [in, out]), causal attention, the LM head tied to the token embedding. A key/value cache
// makes generation cost one token's work per step. Registered names are the checkpoint keys
// (transformer.h.0.attn.c_attn.weight, …).
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/models/activations.h"
#include "core/models/adaptable_linear.h"
#include "core/models/hf_config.h"

namespace lorastudio::models {

struct Gpt2Config {
  int64_t vocab_size = 50257, n_embd = 768, n_layer = 12, n_head = 12, n_positions = 1024, n_inner = 0;
  double layer_norm_epsilon = 1e-5;
  Activation activation = Activation::GeluTanh;
  bool scale_attn_weights = true, scale_attn_by_inverse_layer_idx = false;
  int64_t eos_token_id = 50256;

  int64_t inner() const { return n_inner > 0 ? n_inner : 4 * n_embd; }
  std::string summary() const;
  static Gpt2Config from(const HfConfig& config);
};

// Keys and values of the tokens seen so far, per layer ([batch, heads, length, head_dim]).
struct Gpt2Cache {
  std::vector<torch::Tensor> keys, values;
  int64_t length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
};

class Gpt2ModelImpl : public torch::nn::Module {
 public:
  explicit Gpt2ModelImpl(const Gpt2Config& config);
  // Logits [batch, length, vocab]. attention_mask [batch, past + length] (1 = token; undefined = all); with a
  // cache, the tokens continue it and it is extended.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                        Gpt2Cache* cache = nullptr);
  const Gpt2Config& config() const { return config_; }

 private:
  struct Block {
    torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
    AdaptableLinear c_attn{nullptr}, attn_proj{nullptr}, c_fc{nullptr}, mlp_proj{nullptr};
  };
  torch::Tensor run_block(size_t index, const torch::Tensor& x, const torch::Tensor& mask, Gpt2Cache* cache);

  Gpt2Config config_;
  torch::nn::Embedding wte_{nullptr}, wpe_{nullptr};
  std::vector<Block> blocks_;
  torch::nn::LayerNorm ln_f_{nullptr};
};
TORCH_MODULE(Gpt2Model);

struct GenerationOptions {
  int64_t max_new_tokens = 32;
  bool sample = false;         // false: greedy (argmax)
  double temperature = 1.0;    // sampling only
  int64_t top_k = 0;           // 0: no top-k cut
  double top_p = 1.0;          // nucleus cut; 1: none
  uint64_t seed = 0;           // sampling: the generator's seed
  bool stop_at_eos = true;     // end when every row produced the end-of-text token
};

// prompt [batch, length] (no padding) → prompt followed by the new tokens, through the cache.
torch::Tensor generate(Gpt2Model& model, const torch::Tensor& prompt, const GenerationOptions& options = {});

Gpt2Model load_gpt2(const std::string& path);

}  // namespace lorastudio::models
