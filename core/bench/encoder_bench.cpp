#include "core/bench/encoder_bench.h"

#include <cstdio>
#include <filesystem>

#include "core/bench/bench_environment.h"
#include "core/bench/bench_timing.h"
#include "core/cuda/cuda_graph_runner.h"
#include "core/models/attention.h"
#include "core/models/bert_model.h"
#include "core/util/error.h"
#include "core/util/shell_command.h"

namespace lorastudio {

namespace {

torch::ScalarType dtype_of(const std::string& name) {
  if (name == "float32") return torch::kFloat;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kHalf;
  throw Error("unknown dtype '" + name + "' (float32, bfloat16, float16)");
}

double forward_flops(const EncoderBenchOptions& o) {
  const double tokens = static_cast<double>(o.batch * o.length), h = static_cast<double>(o.hidden);
  const double projections = 2.0 * tokens * h * h * 4;                     // q, k, v, output
  const double ffn = 2.0 * tokens * h * static_cast<double>(o.intermediate) * 2;
  const double attention = 2.0 * 2.0 * static_cast<double>(o.batch) * o.length * o.length * h;  // QKᵀ and PV
  return static_cast<double>(o.layers) * (projections + ffn + attention);
}

// transformers' BertModel on the same shapes, by the peer script; null when it cannot run.
nlohmann::json run_peer(const EncoderBenchOptions& o, const std::string& dtype, int repeats, int warmup) {
  if (o.peer_script.empty() || !std::filesystem::exists(o.peer_script)) return nullptr;
  std::string command = shell_quote(o.python) + " " + shell_quote(o.peer_script) + " --device " + o.device +
                        " --dtype " + dtype + " --batch " + std::to_string(o.batch) + " --length " +
                        std::to_string(o.length) + " --layers " + std::to_string(o.layers) + " --hidden " +
                        std::to_string(o.hidden) + " --heads " + std::to_string(o.heads) + " --intermediate " +
                        std::to_string(o.intermediate) + " --repeats " + std::to_string(repeats) + " --warmup " +
                        std::to_string(warmup) + " 2>&1";
  CommandOutput result = run_shell_command(command);
  std::string line = last_nonempty_line(result.out);
  if (result.exit_status != 0 || line.rfind("{\"peer\"", 0) != 0) return {{"skipped", line.substr(0, 300)}};
  return nlohmann::json::parse(line, nullptr, false);
}

nlohmann::json time_dtype(const EncoderBenchOptions& o, models::BertEncoder& model, const std::string& name,
                          const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& reference,
                          int repeats, int warmup) {
  const torch::Device device(o.device);
  model->to(dtype_of(name));
  auto forward = [&] { return model->forward(ids, mask).last_hidden_state; };  // mask: undefined when all ones
  torch::Tensor out = forward();
  nlohmann::json r = {{"dtype", name}};
  r["max_abs_vs_float32"] = (out.to(torch::kFloat) - reference).abs().max().item<double>();
  Timing eager = time_repeats([&] { forward(); }, repeats, warmup, device);
  r["eager_median_ms"] = eager.median_ms;
  r["eager_tflops"] = forward_flops(o) / (eager.median_ms * 1e-3) / 1e12;
  if (device.is_cuda() && o.graphs && CudaGraphRunner::supported()) {
    CudaGraphRunner graphs;
    auto fn = [&](const std::vector<torch::Tensor>& in) {
      return std::vector<torch::Tensor>{model->forward(in[0], in.size() > 1 ? in[1] : torch::Tensor()).last_hidden_state};
    };
    std::vector<torch::Tensor> inputs = {ids};
    if (mask.defined()) inputs.push_back(mask);
    Timing graph = time_repeats([&] { graphs.run("bert-forward-" + name, fn, inputs); }, repeats, warmup, device);
    r["graph_median_ms"] = graph.median_ms;
    r["graph_tflops"] = forward_flops(o) / (graph.median_ms * 1e-3) / 1e12;
    r["launch_overhead_ms"] = eager.median_ms - graph.median_ms;
  }
  nlohmann::json peer = run_peer(o, name, repeats, warmup);
  if (!peer.is_null()) {
    r["peer"] = peer;
    if (peer.contains("median_ms")) r["speedup_vs_peer"] = peer["median_ms"].get<double>() / eager.median_ms;
  }
  return r;
}

}  // namespace

nlohmann::json run_encoder_bench(const EncoderBenchOptions& o) {
  torch::NoGradGuard no_grad;
  const torch::Device device(o.device);
  const bool cuda = device.is_cuda();
  const int repeats = o.repeats > 0 ? o.repeats : (cuda ? 30 : 3), warmup = o.warmup >= 0 ? o.warmup : (cuda ? 5 : 1);
  models::BertConfig config;
  config.num_layers = o.layers;
  config.hidden_size = o.hidden;
  config.num_heads = o.heads;
  config.intermediate_size = o.intermediate;
  config.max_positions = std::max<int64_t>(512, o.length);
  torch::manual_seed(0);
  models::BertEncoder model(config, false);
  model->eval();
  model->to(device);
  auto ids = torch::randint(1000, config.vocab_size, {o.batch, o.length}, torch::TensorOptions(torch::kLong)).to(device);
  // No padding, as in the peer: transformers then drops the all-ones mask, and so does mask_if_padded.
  auto mask = models::mask_if_padded(torch::ones({o.batch, o.length}, torch::kLong));
  if (mask.defined()) mask = mask.to(device);
  if (o.progress) o.progress("float32 reference pass");
  torch::Tensor reference = model->forward(ids, mask).last_hidden_state.to(torch::kFloat).clone();
  nlohmann::json j = bench_environment();
  j["device"] = device.str();
  j["benchmark"] = "encoder";
  j["model"] = {{"layers", o.layers}, {"hidden", o.hidden}, {"heads", o.heads}, {"intermediate", o.intermediate},
                {"batch", o.batch}, {"length", o.length}};
  j["forward_gflop"] = forward_flops(o) / 1e9;
  j["fused_attention"] = models::fused_attention_available();
  j["attention_mask"] = "all ones (no padding): dropped, as transformers drops it";
  j["repeats"] = repeats;
  j["results"] = nlohmann::json::array();
  for (const std::string& name : o.dtypes) {
    if (o.progress) o.progress("timing " + name);
    j["results"].push_back(time_dtype(o, model, name, ids, mask, reference, repeats, warmup));
  }
  return j;
}

}  // namespace lorastudio
