// lora-studio-cli bench embed: the t-SNE engine against scikit-learn, and the live embedding.
#include <cstdlib>
#include <iostream>
#include <unistd.h>

#include "app/cli/bench_options.h"
#include "app/cli/cli_output.h"
#include "app/cli/device_option.h"
#include "core/bench/embed_bench.h"
#include "core/util/error.h"
#include "core/util/file_tree.h"

namespace lorastudio::cli {
namespace {

std::vector<int64_t> sizes_option(const ArgParser& p) {
  std::vector<int64_t> sizes;
  for (const auto& item : split_commas(p.get("--sizes"))) {
    char* end = nullptr;
    const long long n = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || n < 10 || n > 1000000)
      throw UsageError("--sizes: \"" + item + "\" is not a point count from 10 to 1,000,000");
    sizes.push_back(n);
  }
  return sizes;
}

std::string make_work_dir() {
  std::string pattern = "/tmp/lora-studio-bench-embed-XXXXXX";
  if (!mkdtemp(pattern.data())) throw Error("bench embed: cannot create a temporary directory in /tmp");
  return pattern;
}

void print_summary(const nlohmann::json& j) {
  std::cout << "t-SNE benchmark (perplexity " << j["perplexity"].get<double>() << ", " << j["iterations"].get<int>()
            << " iterations, ours on " << j["device"].get<std::string>() << ", "
            << j["environment"]["threads"].get<int>() << " threads)\n\n"
            << pad_right("points", 8) << pad_right("ours s", 10) << pad_right("peer s", 10) << pad_right("speedup", 9)
            << pad_right("ours KL", 9) << pad_right("peer KL", 9) << pad_right("KL ratio", 10) << "10-NN labels ours/peer\n";
  for (const auto& r : j["results"]) {
    const bool peer = r.contains("peer");
    const auto cell = [&](const char* side, const char* key, int digits) {
      return r.contains(side) ? format_double(r[side][key].get<double>(), digits) : std::string("-");
    };
    std::cout << pad_right(std::to_string(r["points"].get<int64_t>()), 8) << pad_right(cell("ours", "seconds", 4), 10)
              << pad_right(cell("peer", "seconds", 4), 10)
              << pad_right(peer ? format_double(r["speedup"].get<double>(), 3) + "x" : "-", 9)
              << pad_right(cell("ours", "kl_exact", 4), 9) << pad_right(cell("peer", "kl_exact", 4), 9)
              << pad_right(peer ? format_double(r["kl_ratio"].get<double>(), 4) : "-", 10)
              << cell("ours", "label_agreement_10nn", 3) << " / " << cell("peer", "label_agreement_10nn", 3) << "\n";
  }
  if (j.contains("live")) {
    const auto& l = j["live"];
    std::cout << "\nlive: " << l["points"].get<int64_t>() << " points in " << l["batches"].get<int64_t>() << " batches, "
              << format_double(l["frames_per_second"].get<double>(), 3) << " frames/s (cap "
              << format_double(l["max_frames_per_second"].get<double>(), 3) << ", longest gap "
              << format_double(l["longest_frame_gap_ms"].get<double>(), 3) << " ms), "
              << format_double(l["iterations_per_second"].get<double>(), 4) << " iterations/s, readable after "
              << format_double(l["seconds_to_readable"].get<double>(), 3) << " s, settled after "
              << format_double(l["seconds"].get<double>(), 3) << " s\n";
  }
}

}  // namespace

int run_embed_bench_command(int argc, char** argv) {
  ArgParser p("bench embed",
              "t-SNE against scikit-learn's TSNE (run in the same process tree, on the same make_blobs data): time,\n"
              "final KL (both scored exactly on the same P) and their ratios; then the live embedding's frames per\n"
              "second and time to a readable layout while points stream in.");
  p.option("--sizes", "LIST", "point counts, comma-separated", "1000,5000,20000")
      .option("--features", "N", "dimensions of the blobs", "64")
      .option("--perplexity", "X", "perplexity of both sides", "30")
      .option("--iterations", "N", "iterations of both sides", "1000")
      .option("--method", "NAME", "ours: auto (Barnes-Hut on the CPU, exact on CUDA), exact or barnes_hut", "auto")
      .option("--device", "DEVICE", "ours: cpu or cuda", "cpu")
      .flag("--no-peer", "skip scikit-learn (own blobs instead of make_blobs)")
      .option("--python", "PATH", "the Python that runs scikit-learn", "/usr/bin/python3")
      .option("--peer-script", "PATH", "scripts/sklearn_tsne_peer.py", LORASTUDIO_SCRIPTS_DIR "/sklearn_tsne_peer.py")
      .option("--live", "N", "points of the live measurement (0: none)", "2000")
      .option("--live-batches", "N", "batches they arrive in", "20")
      .flag("--quiet", "no progress lines on stderr")
      .option("--json", "FILE", "write the results as JSON to FILE");
  if (!p.parse(argc, argv)) return 0;
  EmbedBenchOptions o;
  o.sizes = sizes_option(p);
  o.features = p.get_int("--features", 2, 100000);
  o.perplexity = p.get_double("--perplexity", 1, 1000);
  o.iterations = static_cast<int>(p.get_int("--iterations", 1, 1000000));
  o.method = p.get_choice("--method", {"auto", "exact", "barnes_hut"});
  o.device = device_option(p).is_cuda() ? "cuda" : "cpu";
  o.peer = !p.has("--no-peer");
  o.sklearn.python = p.get("--python");
  o.sklearn.script = p.get("--peer-script");
  o.live_points = p.get_int("--live", 0, 1000000);
  o.live_batches = p.get_int("--live-batches", 1, 100000);
  o.progress = progress_option(p);
  o.sklearn.work_dir = make_work_dir();
  nlohmann::json j;
  try {
    j = run_embed_bench(o);
  } catch (...) {
    remove_tree(o.sklearn.work_dir);
    throw;
  }
  remove_tree(o.sklearn.work_dir);
  print_summary(j);
  write_json_option(p, j);
  return 0;
}

}  // namespace lorastudio::cli
