#include "core/formats/kohya_names.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <vector>

namespace lorastudio {
namespace {

// Module identifiers containing underscores, as diffusers / transformers name them.
const std::set<std::string>& vocabulary() {
  static const std::set<std::string> v = {
      // diffusers UNets and DiTs
      "transformer_blocks", "single_transformer_blocks", "down_blocks", "up_blocks", "mid_block", "to_q", "to_k",
      "to_v", "to_out", "to_add_out", "add_q_proj", "add_k_proj", "add_v_proj", "proj_in", "proj_out", "proj_mlp",
      "time_emb_proj", "conv_shortcut", "conv_in", "conv_out", "time_embedding", "linear_1", "linear_2",
      "ff_context", "norm_out", "norm1_context", "caption_projection", "adaln_single", "timestep_embedder",
      "pos_embed", "x_embedder", "context_embedder", "time_text_embed", "guidance_embedder", "text_embedder",
      "emb", "downsamplers", "upsamplers", "norm_q", "norm_k", "norm_added_q", "norm_added_k", "scale_shift_table",
      "additional_condition_proj", "resolution_embedder", "aspect_ratio_embedder", "add_embedding",
      // transformers text encoders and language models
      "text_model", "self_attn", "q_proj", "k_proj", "v_proj", "out_proj", "o_proj", "gate_proj", "up_proj",
      "down_proj", "final_layer_norm", "layer_norm1", "layer_norm2", "embed_tokens", "input_layernorm",
      "post_attention_layernorm", "word_embeddings", "position_embeddings", "token_type_embeddings",
      "c_attn", "c_proj", "c_fc", "lm_head", "text_projection", "visual_projection", "vision_model",
      "relative_attention_bias", "EncDecAttention", "DenseReluDense", "wi_0", "wi_1",
  };
  return v;
}

size_t longest_phrase() {
  size_t n = 1;
  for (const auto& w : vocabulary()) n = std::max<size_t>(n, std::count(w.begin(), w.end(), '_') + 1);
  return n;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

// Greedy longest match over the vocabulary; `certain` turns false when a non-vocabulary token
// could have been part of a longer identifier.
std::string rebuild(const std::string& flat, bool* certain) {
  const auto tokens = split(flat, '_');
  const size_t max_len = longest_phrase();
  std::vector<std::string> parts;
  bool sure = true;
  for (size_t i = 0; i < tokens.size();) {
    size_t taken = 1;
    for (size_t len = std::min(max_len, tokens.size() - i); len >= 2; --len) {
      std::string phrase = tokens[i];
      for (size_t k = 1; k < len; ++k) phrase += "_" + tokens[i + k];
      if (vocabulary().count(phrase)) {
        taken = len;
        break;
      }
    }
    std::string part = tokens[i];
    for (size_t k = 1; k < taken; ++k) part += "_" + tokens[i + k];
    const bool numeric = std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (taken == 1 && !numeric && !vocabulary().count(part) && i + 1 < tokens.size()) sure = false;
    parts.push_back(part);
    i += taken;
  }
  if (certain) *certain = sure;
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + parts[i];
  return out;
}

}  // namespace

std::string flatten_kohya_name(const std::string& path) {
  std::string s = path;
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

std::string unflatten_kohya_name(const std::string& flat) { return rebuild(flat, nullptr); }

bool kohya_name_is_certain(const std::string& flat) {
  bool certain = true;
  rebuild(flat, &certain);
  return certain;
}

std::string kohya_prefix_for(const std::string& component) {
  if (component == "text_encoder") return "lora_te_";
  if (component == "text_encoder_2") return "lora_te2_";
  if (component == "text_encoder_3") return "lora_te3_";
  return "lora_unet_";  // unet, transformer, or a plain model
}

bool split_kohya_prefix(const std::string& key, std::string* component, std::string* flat) {
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"lora_unet_", "unet"},          {"lora_transformer_", "transformer"}, {"lora_te1_", "text_encoder"},
      {"lora_te2_", "text_encoder_2"}, {"lora_te3_", "text_encoder_3"},     {"lora_te_", "text_encoder"},
  };
  for (const auto& [prefix, comp] : kPrefixes) {
    const std::string p = prefix;
    if (key.rfind(p, 0) == 0) {
      *component = comp;
      *flat = key.substr(p.size());
      return true;
    }
  }
  return false;
}

}  // namespace lorastudio
