// lora-studio-cli bench encoder: a BERT-base-sized encoder's forward pass per dtype, beside transformers.
#include <iostream>

#include "app/cli/bench_options.h"
#include "app/cli/cli_output.h"
#include "app/cli/device_option.h"
#include "core/bench/encoder_bench.h"

namespace lorastudio::cli {

namespace {

std::string cell(const nlohmann::json& r, const char* key, int digits = 4) {
  return r.contains(key) && r[key].is_number() ? format_double(r[key].get<double>(), digits) : "-";
}

void print_encoder_summary(const nlohmann::json& j) {
  const auto& m = j["model"];
  std::cout << "encoder benchmark: " << m["layers"] << " layers, hidden " << m["hidden"] << ", " << m["heads"]
            << " heads, FFN " << m["intermediate"] << "; batch " << m["batch"] << " x " << m["length"] << " tokens ("
            << format_double(j["forward_gflop"].get<double>(), 4) << " GFLOP a forward) on "
            << j["device"].get<std::string>() << (j["fused_attention"].get<bool>() ? ", fused attention" : ", plain attention")
            << ", median of " << j["repeats"] << "\n\n"
            << pad_right("dtype", 10) << pad_right("eager ms", 10) << pad_right("TFLOP/s", 9) << pad_right("graph ms", 10)
            << pad_right("launch ms", 11) << pad_right("peer ms", 10) << pad_right("x peer", 8) << "max |Δ| vs fp32\n";
  for (const auto& r : j["results"]) {
    std::string peer = r.contains("peer") ? cell(r["peer"], "median_ms") : "-";
    std::cout << pad_right(r["dtype"].get<std::string>(), 10) << pad_right(cell(r, "eager_median_ms"), 10)
              << pad_right(cell(r, "eager_tflops", 3), 9) << pad_right(cell(r, "graph_median_ms"), 10)
              << pad_right(cell(r, "launch_overhead_ms", 3), 11) << pad_right(peer, 10)
              << pad_right(cell(r, "speedup_vs_peer", 3), 8) << cell(r, "max_abs_vs_float32", 2) << "\n";
    if (r.contains("peer") && r["peer"].contains("skipped"))
      std::cout << "  peer skipped: " << r["peer"]["skipped"].get<std::string>() << "\n";
  }
}

}  // namespace

int run_encoder_bench_command(int argc, char** argv) {
  ArgParser p("bench encoder",
              "Forward pass of a BERT-base-sized encoder (random weights) per dtype; on CUDA also through a CUDA\n"
              "graph (the difference is launch overhead); transformers' BertModel beside it when Python has it.");
  p.option("--device", "DEVICE", "cpu or cuda", "cpu")
      .option("--dtypes", "LIST", "float32, bfloat16, float16, comma-separated (default: cpu float32, cuda both)")
      .option("--batch", "N", "sequences per batch", "32")
      .option("--length", "N", "tokens per sequence", "128")
      .option("--layers", "N", "encoder layers", "12")
      .option("--repeats", "N", "timed repeats (default: cpu 3, cuda 30)")
      .flag("--no-graphs", "no CUDA graph timing")
      .flag("--no-peer", "do not run transformers")
      .option("--python", "PATH", "the Python that runs the peer", "python3")
      .flag("--quiet", "no progress lines on stderr")
      .option("--json", "FILE", "write the results as JSON to FILE");
  if (!p.parse(argc, argv)) return 0;
  EncoderBenchOptions o;
  o.device = device_option(p).str();
  o.dtypes = p.has("--dtypes") ? split_commas(p.get("--dtypes"))
                               : (o.device == "cpu" ? std::vector<std::string>{"float32"}
                                                    : std::vector<std::string>{"float32", "bfloat16"});
  o.batch = p.get_int("--batch", 1, 4096);
  o.length = p.get_int("--length", 1, 4096);
  o.layers = p.get_int("--layers", 1, 96);
  if (p.has("--repeats")) o.repeats = static_cast<int>(p.get_int("--repeats", 1, 100000));
  o.graphs = !p.has("--no-graphs");
  if (!p.has("--no-peer")) o.peer_script = std::string(LORASTUDIO_SCRIPTS_DIR) + "/bert_forward_peer.py";
  o.python = p.get("--python");
  o.progress = progress_option(p);
  const nlohmann::json j = run_encoder_bench(o);
  print_encoder_summary(j);
  write_json_option(p, j);
  return 0;
}

}  // namespace lorastudio::cli
