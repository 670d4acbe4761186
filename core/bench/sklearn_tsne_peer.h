#pragma once
// scikit-learn, the peer of `bench embed`: make_blobs data and TSNE.fit_transform timings, run by
// scripts/sklearn_tsne_peer.py under Debian's python3 (python3-sklearn). Arrays pass through raw files.
#include <string>

#include <torch/torch.h>

namespace lorastudio {

struct SklearnPeer {
  std::string python = "/usr/bin/python3";
  std::string script;     // scripts/sklearn_tsne_peer.py
  std::string work_dir;   // where the arrays are exchanged (created; removed by the caller)
};

struct BlobData {
  torch::Tensor points;   // [N, D] float32
  torch::Tensor labels;   // [N] int64
  std::string source;     // "sklearn.datasets.make_blobs" or "lora-studio blobs"
};

struct PeerTsne {
  torch::Tensor embedding;  // [N, 2]
  double seconds = 0, kl = 0;
  int iterations = 0;
  std::string version;
};

// Says why the peer cannot run ("" when it can): no python, no scikit-learn, no script.
std::string sklearn_peer_problem(const SklearnPeer& peer);

// make_blobs(n_samples=N, n_features=D, centers=10, cluster_std=2.0, random_state=0) as float32.
BlobData sklearn_blobs(const SklearnPeer& peer, int64_t points, int64_t features);
// The same recipe without Python (10 centres uniform in [-10, 10]^D, std 2), for runs without the peer.
BlobData own_blobs(int64_t points, int64_t features, uint64_t seed);

PeerTsne sklearn_tsne(const SklearnPeer& peer, const torch::Tensor& points, double perplexity, int iterations,
                      const std::string& method);

}  // namespace lorastudio
