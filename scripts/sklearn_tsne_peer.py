#!/usr/bin/python3
"""The peer of `lora-studio-cli bench embed`: scikit-learn's TSNE on make_blobs data, run by Debian's python3.

  sklearn_tsne_peer.py blobs N FEATURES DATA.f32 LABELS.i64      write make_blobs data (float32) and labels
  sklearn_tsne_peer.py tsne DATA.f32 N D OUT.f32 PERPLEXITY ITERATIONS METHOD
                                                                  time TSNE.fit_transform; print JSON

Raw little-endian arrays, row-major. Only fit_transform is timed (not Python's start or the file I/O).
"""
import json
import sys
import time


def blobs(n, features, data_path, labels_path):
    import numpy as np
    from sklearn.datasets import make_blobs
    x, y = make_blobs(n_samples=n, n_features=features, centers=10, cluster_std=2.0, random_state=0)
    x.astype(np.float32).tofile(data_path)
    y.astype(np.int64).tofile(labels_path)
    print(json.dumps({"points": n, "features": features}))


def tsne(data_path, n, d, out_path, perplexity, iterations, method):
    import numpy as np
    import sklearn
    from sklearn.manifold import TSNE
    x = np.fromfile(data_path, dtype=np.float32).reshape(n, d)
    model = TSNE(n_components=2, perplexity=perplexity, init="pca", n_iter=iterations, method=method,
                 learning_rate="auto", random_state=0)
    start = time.perf_counter()
    y = model.fit_transform(x)
    seconds = time.perf_counter() - start
    y.astype(np.float32).tofile(out_path)
    print(json.dumps({"seconds": seconds, "kl": float(model.kl_divergence_), "iterations": int(model.n_iter_) + 1,
                      "version": sklearn.__version__}))


def main(argv):
    if len(argv) == 6 and argv[1] == "blobs":
        blobs(int(argv[2]), int(argv[3]), argv[4], argv[5])
    elif len(argv) == 9 and argv[1] == "tsne":
        tsne(argv[2], int(argv[3]), int(argv[4]), argv[5], float(argv[6]), int(argv[7]), argv[8])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
