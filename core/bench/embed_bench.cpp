// The embedding benchmark: one row per size (ours and the peer's), then the live measurement.
#include "core/bench/embed_bench.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/bench/bench_environment.h"
#include "core/embed/affinities.h"
#include "core/embed/layout_quality.h"
#include "core/embed/live_embedding.h"
#include "core/embed/tsne.h"
#include "core/embed/tsne_gradient.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

using embed::TsneParams;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TsneParams our_params(const EmbedBenchOptions& o) {
  TsneParams p;
  p.perplexity = o.perplexity;
  p.iterations = o.iterations;
  p.cuda = o.device == "cuda";
  const auto method = embed::tsne_method_from_string(o.method);
  if (!method) throw Error("bench embed: unknown method \"" + o.method + "\" (auto, exact or barnes_hut)");
  p.method = *method;
  embed::validate(p);
  return p;
}

BlobData bench_data(const EmbedBenchOptions& o, int64_t points) {
  return o.peer ? sklearn_blobs(o.sklearn, points, o.features) : own_blobs(points, o.features, 0);
}

nlohmann::json layout_json(double seconds, double reported_kl, double exact_kl, const torch::Tensor& layout,
                           const BlobData& data) {
  return {{"seconds", seconds}, {"kl_reported", reported_kl}, {"kl_exact", exact_kl},
          {"label_agreement_10nn", embed::neighbour_label_agreement(layout, data.labels)},
          {"neighbour_preservation_10nn", embed::neighbour_preservation(data.points, layout)}};
}

nlohmann::json size_row(const EmbedBenchOptions& o, int64_t points) {
  const auto say = [&](const std::string& s) { if (o.progress) o.progress(s); };
  const auto data = bench_data(o, points);
  say(std::to_string(points) + " points: ours (" + o.method + ", " + o.device + ")");
  const auto start = std::chrono::steady_clock::now();
  const auto ours = embed::run_tsne(data.points, our_params(o));
  const double our_seconds = seconds_since(start);
  const auto p = embed::sparse_affinities(data.points, o.perplexity);  // the common yardstick
  nlohmann::json row{{"points", points}, {"features", o.features}, {"data", data.source},
                     {"ours", layout_json(our_seconds, ours.kl, embed::exact_kl_divergence(p, ours.embedding), ours.embedding, data)}};
  row["ours"]["method"] = embed::to_string(ours.method);
  row["ours"]["affinity_seconds"] = ours.affinity_seconds;
  if (!o.peer) return row;
  say(std::to_string(points) + " points: scikit-learn (barnes_hut)");
  const auto peer = sklearn_tsne(o.sklearn, data.points, o.perplexity, o.iterations, "barnes_hut");
  row["peer"] = layout_json(peer.seconds, peer.kl, embed::exact_kl_divergence(p, peer.embedding), peer.embedding, data);
  row["peer"]["iterations"] = peer.iterations;
  const double kl_ratio = row["ours"]["kl_exact"].get<double>() / row["peer"]["kl_exact"].get<double>();
  row["time_ratio"] = our_seconds / peer.seconds;      // < 1: we are faster
  row["speedup"] = peer.seconds / our_seconds;
  row["kl_ratio"] = kl_ratio;                          // ours / peer, both scored exactly on the same P
  row["kl_within_5_percent"] = kl_ratio <= 1.05;
  row["faster"] = our_seconds < peer.seconds;
  return row;
}

// Streams `points` blob points in `batches` batches into a live embedding and records every frame.
nlohmann::json live_row(const EmbedBenchOptions& o) {
  const auto data = bench_data(o, o.live_points);
  embed::LiveEmbeddingParams lp;
  lp.tsne = our_params(o);
  embed::LiveEmbedding live(lp);
  std::vector<embed::LiveFrame> frames;
  std::thread worker([&] {
    live.run([&](const embed::LiveFrame& frame) {
      frames.push_back(frame);
      if (frame.settled) live.stop();
    });
  });
  live.open_input();
  const int64_t per_batch = (o.live_points + o.live_batches - 1) / o.live_batches;
  for (int64_t start = 0; start < o.live_points; start += per_batch)
    live.add_points(data.points.slice(0, start, std::min(o.live_points, start + per_batch)));
  live.close_input();
  worker.join();
  if (frames.size() < 2) throw Error("bench embed: the live embedding published no frames");
  const auto layout_of = [&](const embed::LiveFrame& f) {
    return torch::from_blob(const_cast<float*>(f.xy->data()), {f.points, 2}, torch::kFloat32).clone();
  };
  const double final_agreement = embed::neighbour_label_agreement(layout_of(frames.back()), data.labels);
  double readable_seconds = -1;
  for (const auto& f : frames) {
    if (f.points < o.live_points || f.xy->empty()) continue;
    if (embed::neighbour_label_agreement(layout_of(f), data.labels.slice(0, 0, f.points)) >= 0.95 * final_agreement) {
      readable_seconds = f.seconds;
      break;
    }
  }
  const double span = frames.back().seconds - frames.front().seconds;
  std::vector<double> gaps;
  for (size_t i = 1; i < frames.size(); ++i) gaps.push_back(frames[i].seconds - frames[i - 1].seconds);
  std::sort(gaps.begin(), gaps.end());
  const double p95_gap = gaps[static_cast<size_t>(0.95 * static_cast<double>(gaps.size() - 1))];
  return {{"points", o.live_points}, {"batches", o.live_batches}, {"frames", frames.size()},
          {"seconds", frames.back().seconds}, {"iterations", frames.back().iteration},
          {"frames_per_second", (frames.size() - 1) / std::max(span, 1e-9)},
          {"iterations_per_second", frames.back().iteration / std::max(frames.back().seconds, 1e-9)},
          {"max_frames_per_second", lp.max_frames_per_second},
          {"longest_frame_gap_ms", gaps.back() * 1e3}, {"p95_frame_gap_ms", p95_gap * 1e3},
          {"final_label_agreement_10nn", final_agreement},
          {"seconds_to_readable", readable_seconds},
          {"readable_rule", "first frame holding every point whose 10-NN label agreement is >= 95% of the settled frame's"}};
}

}  // namespace

nlohmann::json run_embed_bench(const EmbedBenchOptions& o) {
  torch::NoGradGuard no_grad;
  if (o.peer) {
    const auto problem = sklearn_peer_problem(o.sklearn);
    if (!problem.empty()) throw Error("bench embed: the scikit-learn peer cannot run: " + problem + " (or pass --no-peer)");
    std::filesystem::create_directories(o.sklearn.work_dir);
  }
  nlohmann::json j{{"benchmark", "embed"}, {"environment", bench_environment()}, {"device", o.device},
                   {"method", o.method}, {"perplexity", o.perplexity}, {"iterations", o.iterations},
                   {"peer", o.peer ? "scikit-learn TSNE(perplexity, init='pca', n_iter, method='barnes_hut', "
                                     "learning_rate='auto', random_state=0)" : "none"},
                   {"kl_exact_note", "both layouts scored with the exact Q over all pairs, on the same sparse P"}};
  j["results"] = nlohmann::json::array();
  for (const int64_t n : o.sizes) j["results"].push_back(size_row(o, n));
  if (o.live_points > 0) {
    if (o.progress) o.progress("live: " + std::to_string(o.live_points) + " points in " + std::to_string(o.live_batches) + " batches");
    j["live"] = live_row(o);
  }
  return j;
}

}  // namespace lorastudio
