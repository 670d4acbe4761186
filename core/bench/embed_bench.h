#pragma once
// `bench embed`: the t-SNE engine against scikit-learn's TSNE on the same make_blobs data in the same run
// (time, final KL scored exactly on the same P, layout quality, and the ratios), and the live embedding's
// frame rate and time to a readable layout as points stream in.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bench/sklearn_tsne_peer.h"

namespace lorastudio {

struct EmbedBenchOptions {
  std::vector<int64_t> sizes{1000, 5000, 20000};
  int64_t features = 64;
  double perplexity = 30;
  int iterations = 1000;
  std::string method = "auto";    // ours: auto | exact | barnes_hut
  std::string device = "cpu";
  bool peer = true;               // run scikit-learn (its data come from make_blobs then)
  SklearnPeer sklearn;
  int64_t live_points = 2000;     // 0: no live measurement
  int64_t live_batches = 20;
  std::function<void(const std::string&)> progress;
};

nlohmann::json run_embed_bench(const EmbedBenchOptions& options);

}  // namespace lorastudio
