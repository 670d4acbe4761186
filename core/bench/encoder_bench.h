#pragma once
// The encoder benchmark: forward passes of a BERT-base-sized encoder (12 layers, hidden 768, 12 heads, FFN 3072;
// random weights) on a batch of token ids, per dtype: eager time, on CUDA also through a CUDA graph (the
// difference is the host's launch overhead), the achieved TFLOP/s, the error against float32, and — when the
// machine's Python has transformers — transformers' BertModel (SDPA attention) measured in the same run by
// scripts/bert_forward_peer.py, reported as a ratio.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lorastudio {

struct EncoderBenchOptions {
  std::string device = "cpu";
  std::vector<std::string> dtypes = {"float32"};  // float32, bfloat16, float16
  int64_t batch = 32, length = 128, layers = 12, hidden = 768, heads = 12, intermediate = 3072;
  int repeats = 0, warmup = -1;   // 0 / -1: cpu 3 / 1, cuda 30 / 5
  bool graphs = true;             // CUDA: also time a captured graph
  std::string peer_script;        // scripts/bert_forward_peer.py; empty: no peer
  std::string python = "python3";
  std::function<void(const std::string&)> progress;
};

nlohmann::json run_encoder_bench(const EncoderBenchOptions& options);

}  // namespace lorastudio
