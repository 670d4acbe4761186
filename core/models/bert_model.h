#pragma once
// BERT and RoBERTa encoders with their sequence-classification heads, as transformers' BertModel /
// BertForSequenceClassification and RobertaModel / RobertaForSequenceClassification compute them (eval mode).
// Registered names are the checkpoint keys: bert.embeddings.word_embeddings.weight, roberta.encoder.layer.0.
// attention.self.query.weight, classifier.weight (BERT) or classifier.dense/out_proj (RoBERTa).
#include <array>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "core/models/activations.h"
#include "core/models/adaptable_linear.h"
#include "core/models/hf_config.h"

namespace lorastudio::models {

struct BertConfig : TransformerShape {
  BertConfig() : TransformerShape{30522, 768, 12, 12, 3072, 512, 1e-12, Activation::Gelu} {}
  std::string model_type = "bert";  // "bert" or "roberta" (positions counted from pad + 1, RoBERTa's head)
  int64_t type_vocab_size = 2, pad_token_id = 0, num_labels = 2;
  // Dropout, applied in training mode only (module.train()): hidden_dropout_prob, attention_probs_dropout_prob and
  // classifier_dropout (null in config.json: the hidden dropout).
  double hidden_dropout = 0.1, attention_dropout = 0.1, classifier_dropout = 0.1;

  bool roberta() const { return model_type == "roberta"; }
  std::string summary() const;  // "bert: 12 layers, hidden 768, 12 heads, vocabulary 30522"
  static BertConfig from(const HfConfig& config);  // errors name config.json and the key
  nlohmann::json to_json() const;                    // a config.json transformers reads
};

struct BertOutput {
  torch::Tensor last_hidden_state;  // [batch, length, hidden]
  torch::Tensor pooled;             // BERT: tanh(pooler(CLS)) (undefined without a pooler); RoBERTa: undefined
};

class BertEncoderImpl : public torch::nn::Module {
 public:
  BertEncoderImpl(const BertConfig& config, bool with_pooler);
  // input_ids, attention_mask (1 = token, 0 = padding; undefined = all tokens), token_type_ids (undefined = 0).
  BertOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                     const torch::Tensor& token_type_ids = {});
  const BertConfig& config() const { return config_; }
  // The token embedding matrix [vocab, hidden] (tied to the masked-language-model decoder).
  torch::Tensor word_embedding_weight() const { return word_embeddings_->weight; }

 private:
  // query, key and value concatenated into one [3·hidden, hidden] projection (one GEMM instead of three), rebuilt
  // whenever one of the six tensors it copies was replaced or changed in place (data pointer, version counter).
  struct FusedQkv {
    torch::Tensor weight, bias;
    std::vector<std::pair<const void*, uint32_t>> sources;
  };
  struct Layer {
    AdaptableLinear query{nullptr}, key{nullptr}, value{nullptr}, attention_dense{nullptr};
    torch::nn::LayerNorm attention_norm{nullptr};
    AdaptableLinear intermediate{nullptr}, output_dense{nullptr};
    torch::nn::LayerNorm output_norm{nullptr};
    FusedQkv fused;
  };
  torch::Tensor embed(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);
  // q, k, v [batch, heads, length, head_dim]: through the fused projection when nothing needs them apart
  // (no gradient, no unmerged LoRA branch on them), else through the three layers.
  std::array<torch::Tensor, 3> project_qkv(Layer& layer, const torch::Tensor& x);
  torch::Tensor run_layer(Layer& layer, const torch::Tensor& x, const torch::Tensor& mask);

  BertConfig config_;
  torch::nn::Embedding word_embeddings_{nullptr}, position_embeddings_{nullptr}, token_type_embeddings_{nullptr};
  torch::nn::LayerNorm embeddings_norm_{nullptr};
  std::vector<Layer> layers_;
  std::mutex fused_mutex_;  // guards the layers' FusedQkv
  AdaptableLinear pooler_{nullptr};
};
TORCH_MODULE(BertEncoder);

// BERT: bert + dropout + classifier (on the pooled [CLS]); RoBERTa: roberta + dropout → classifier.dense → tanh →
// dropout → classifier.out_proj (on <s>). Dropout acts in training mode only.
class BertClassifierImpl : public torch::nn::Module {
 public:
  explicit BertClassifierImpl(const BertConfig& config);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                        const torch::Tensor& token_type_ids = {});  // logits [batch, num_labels]
  // The encoder's output and the logits of one pass.
  std::pair<BertOutput, torch::Tensor> forward_all(const torch::Tensor& input_ids,
                                                   const torch::Tensor& attention_mask = {},
                                                   const torch::Tensor& token_type_ids = {});
  BertEncoder encoder() const { return encoder_; }
  const BertConfig& config() const { return config_; }
  std::string encoder_name() const { return config_.roberta() ? "roberta" : "bert"; }

 private:
  BertConfig config_;
  BertEncoder encoder_{nullptr};
  AdaptableLinear classifier_{nullptr}, head_dense_{nullptr};
};
TORCH_MODULE(BertClassifier);

// A folder (config.json + model.safetensors or a sharded index) or a bare .safetensors file beside a config.json.
// The classification head may be absent from the file (a pretrained encoder): it is then initialised as
// transformers does (normal, std 0.02; zero bias). The model is returned in evaluation mode.
BertClassifier load_bert_classifier(const std::string& path);

}  // namespace lorastudio::models
