// The t-SNE engine against independent dense computations: perplexity calibration, the sparse affinities
// and their in-place update, the exact gradient against autograd, Barnes-Hut against exact, the quadtree,
// PCA, and whole runs that must separate clusters (with wrong variants the checks must reject).
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cmath>

#include "core/bench/sklearn_tsne_peer.h"
#include "core/embed/affinities.h"
#include "core/embed/layout_quality.h"
#include "core/embed/pca_projection.h"
#include "core/embed/quadtree.h"
#include "core/embed/tsne.h"
#include "core/embed/tsne_gradient.h"
#include "core/util/error.h"

using namespace lorastudio;
using namespace lorastudio::embed;

namespace {

// Perplexity 2^H of each row of probabilities [N, K] (natural-log entropy).
torch::Tensor row_perplexity(const torch::Tensor& p) {
  const auto q = p.to(torch::kFloat64);
  const auto h = -(q * torch::log(q.clamp_min(1e-300))).sum(1);
  return torch::exp(h);
}

// The dense reference of sparse P: brute-force neighbours, the vectorised calibration, (P + P^T) / sum.
torch::Tensor reference_sparse_p(const torch::Tensor& x, double perplexity) {
  const int64_t n = x.size(0), k = neighbour_count(perplexity, n);
  auto d2 = torch::cdist(x.to(torch::kFloat64), x.to(torch::kFloat64)).square();
  d2.fill_diagonal_(1e300);
  const auto [dist, index] = d2.topk(k, 1, /*largest=*/false);
  const auto cond = conditional_probabilities(dist, perplexity);
  auto p = torch::zeros({n, n}, torch::kFloat64).scatter_(1, index, cond);
  p = p + p.t();
  return (p / p.sum()).to(torch::kFloat32);
}

// KL(P || Q) as a differentiable function of the positions (exact Q).
torch::Tensor kl_of(const torch::Tensor& y, const torch::Tensor& p) {
  const auto d2 = (y.unsqueeze(1) - y.unsqueeze(0)).square().sum(2);
  auto w = 1.0 / (1.0 + d2);
  w = w * (1 - torch::eye(y.size(0), y.options()));
  const auto q = w / w.sum();
  const auto mask = p > 0;
  return (p.masked_select(mask) * torch::log(p.masked_select(mask) / q.masked_select(mask))).sum();
}

torch::Tensor random_layout(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randn({n, 2}) * 5;
}

double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).norm() / b.norm()).item<double>();
}

}  // namespace

class TestTsne : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void calibrationReachesThePerplexity_data() {
    QTest::addColumn<double>("perplexity");
    QTest::newRow("5") << 5.0;
    QTest::newRow("30") << 30.0;
    QTest::newRow("50") << 50.0;
  }
  void calibrationReachesThePerplexity() {
    QFETCH(double, perplexity);
    const auto data = own_blobs(400, 16, 3);
    const auto graph = neighbour_graph(data.points, neighbour_count(perplexity, 400));
    std::vector<float> scalar;
    conditional_rows(graph, perplexity, scalar);
    const auto rows = torch::from_blob(scalar.data(), {graph.points, graph.k}, torch::kFloat32).clone();
    const auto vectorised = conditional_probabilities(
        torch::from_blob(const_cast<double*>(graph.distance.data()), {graph.points, graph.k}, torch::kFloat64), perplexity);
    QVERIFY(torch::allclose(rows.sum(1), torch::ones({graph.points}), 1e-5, 1e-5));
    QVERIFY(torch::allclose(row_perplexity(rows), torch::full({graph.points}, perplexity, torch::kFloat64), 1e-3, 1e-3));
    QVERIFY(torch::allclose(rows.to(torch::kFloat64), vectorised, 1e-5, 1e-6));
    // Wrong variant: uniform rows over the neighbours have perplexity k, not the target.
    const auto uniform = torch::full_like(rows, 1.0 / static_cast<double>(graph.k));
    QVERIFY(!torch::allclose(row_perplexity(uniform), torch::full({graph.points}, perplexity, torch::kFloat64), 1e-3, 1e-3));
  }

  void sparseAffinitiesMatchTheDenseReference() {
    const auto data = own_blobs(300, 8, 1);
    const auto p = sparse_affinities(data.points, 20);
    const auto dense = to_dense(p);
    QVERIFY(std::abs(dense.sum().item<double>() - 1.0) < 1e-5);
    QVERIFY(torch::equal(dense, dense.t()));
    QCOMPARE(dense.diagonal().abs().sum().item<double>(), 0.0);
    const auto reference = reference_sparse_p(data.points, 20);
    QVERIFY2(relative_error(dense, reference) < 1e-4, qPrintable(QString::number(relative_error(dense, reference))));
    // Wrong variant: a P from another perplexity is told apart.
    QVERIFY(relative_error(to_dense(sparse_affinities(data.points, 10)), reference) > 1e-2);
  }

  // The live embedding's GPU path builds the neighbour P whole as tensor ops: it must equal the sparse
  // graph's P (on the CPU here, on CUDA where there is one). Wrong variant: another perplexity.
  void denseNeighbourAffinitiesEqualTheSparseOnes_data() {
    QTest::addColumn<bool>("cuda");
    QTest::newRow("cpu") << false;
    QTest::newRow("cuda") << true;
  }
  void denseNeighbourAffinitiesEqualTheSparseOnes() {
    QFETCH(bool, cuda);
    if (cuda && !torch::cuda::is_available()) QSKIP("no CUDA device");
    const torch::Device device = cuda ? torch::kCUDA : torch::kCPU;
    const auto data = own_blobs(600, 16, 4);
    const auto sparse = to_dense(sparse_affinities(data.points, 25));
    const auto dense = dense_neighbour_affinities(data.points, 25, device).cpu();
    QCOMPARE(dense.device().type(), torch::kCPU);
    QVERIFY(std::abs(dense.sum().item<double>() - 1.0) < 1e-5);
    QVERIFY2(relative_error(dense, sparse) < 1e-5, qPrintable(QString::number(relative_error(dense, sparse))));
    QVERIFY(relative_error(dense_neighbour_affinities(data.points, 15, device).cpu(), sparse) > 1e-2);
  }

  void extendedGraphEqualsARebuild() {
    const auto data = own_blobs(500, 12, 2);
    const auto old = data.points.slice(0, 0, 420), added = data.points.slice(0, 420);
    auto graph = neighbour_graph(old, 31);
    const auto changed = extend_neighbour_graph(graph, old, added);
    const auto rebuilt = neighbour_graph(data.points, 31);
    QCOMPARE(graph.points, rebuilt.points);
    QVERIFY(graph.index == rebuilt.index);
    for (size_t i = 0; i < graph.distance.size(); ++i) QVERIFY(std::abs(graph.distance[i] - rebuilt.distance[i]) < 1e-3);
    // Every new row changed; an old row is listed exactly when its neighbours differ from before.
    const auto before = neighbour_graph(old, 31);
    int64_t old_changed = 0;
    for (int64_t i = 0; i < 420; ++i) {
      const bool differs = !std::equal(before.index.begin() + i * 31, before.index.begin() + (i + 1) * 31, rebuilt.index.begin() + i * 31);
      const bool listed = std::find(changed.begin(), changed.end(), i) != changed.end();
      QCOMPARE(listed, differs);
      old_changed += listed;
    }
    QCOMPARE(static_cast<int64_t>(changed.size()), old_changed + 80);
    QVERIFY(old_changed > 0);
  }

  void exactGradientMatchesAutograd() {
    const auto data = own_blobs(120, 6, 4);
    const auto p = dense_affinities(data.points, 15, torch::kCPU).to(torch::kFloat64);
    const auto y = random_layout(120, 5).to(torch::kFloat64);
    auto y_grad = y.clone().requires_grad_(true);
    const auto kl = kl_of(y_grad, p);
    kl.backward();
    GradientOptions options;
    options.compute_kl = true;
    const auto [gradient, value] = exact_gradient(y, p, options);
    QVERIFY2(relative_error(gradient, y_grad.grad()) < 1e-6, qPrintable(QString::number(relative_error(gradient, y_grad.grad()))));
    QVERIFY(std::abs(value - kl.item<double>()) < 1e-6 * std::abs(kl.item<double>()) + 1e-9);
    // Wrong variants: without the factor 4, or with the opposite sign, the check fails.
    QVERIFY(relative_error(gradient / 4, y_grad.grad()) > 0.5);
    QVERIFY(relative_error(-gradient, y_grad.grad()) > 1.0);
  }

  void barnesHutApproachesTheExactGradient_data() {
    QTest::addColumn<double>("theta");
    QTest::addColumn<double>("tolerance");
    QTest::newRow("theta 0 (no summaries)") << 0.0 << 1e-4;
    QTest::newRow("theta 0.5") << 0.5 << 0.05;
  }
  void barnesHutApproachesTheExactGradient() {
    QFETCH(double, theta);
    QFETCH(double, tolerance);
    const auto data = own_blobs(400, 10, 6);
    const auto sparse = sparse_affinities(data.points, 30);
    const auto y = random_layout(400, 7).contiguous();
    GradientOptions options;
    options.theta = theta;
    options.exaggeration = 4.0;
    options.compute_kl = true;
    auto bh = torch::empty_like(y);
    const double bh_kl = barnes_hut_gradient(sparse, y.data_ptr<float>(), bh.data_ptr<float>(), options);
    const auto [exact, exact_kl] = exact_gradient(y, to_dense(sparse), options);
    QVERIFY2(relative_error(bh, exact) < tolerance, qPrintable(QString::number(relative_error(bh, exact))));
    QVERIFY(std::abs(bh_kl - exact_kl) < 10 * tolerance * exact_kl);
    QVERIFY(std::abs(exact_kl_divergence(sparse, y) - exact_kl) < 1e-4 * exact_kl);
    // Wrong variant: the exaggeration left out.
    options.exaggeration = 1.0;
    barnes_hut_gradient(sparse, y.data_ptr<float>(), bh.data_ptr<float>(), options);
    QVERIFY(relative_error(bh, exact) > 0.1);
  }

  void quadtreeHoldsEveryPointOnce() {
    auto y = random_layout(1000, 8);
    y.slice(0, 0, 50).fill_(1.5);  // 50 coincident points must share a leaf, not recurse forever
    const Quadtree tree(y.contiguous().data_ptr<float>(), 1000);
    const auto& root = tree.root();
    QCOMPARE(root.count, 1000);
    QVERIFY(std::abs(root.mass_x - y.select(1, 0).to(torch::kFloat64).mean().item<double>()) < 1e-6);
    QVERIFY(std::abs(root.mass_y - y.select(1, 1).to(torch::kFloat64).mean().item<double>()) < 1e-6);
    int64_t in_leaves = 0;
    for (const auto& c : tree.cells())
      if (c.first_child < 0) in_leaves += c.count;
    QCOMPARE(in_leaves, int64_t(1000));
    QVERIFY(tree.depth() < 60);
  }

  void pcaMatchesTheSvd_data() {
    QTest::addColumn<int64_t>("rows");
    QTest::addColumn<int64_t>("columns");
    QTest::newRow("more rows (covariance)") << int64_t(200) << int64_t(12);
    QTest::newRow("more columns (Gram)") << int64_t(20) << int64_t(300);
  }
  void pcaMatchesTheSvd() {
    QFETCH(int64_t, rows);
    QFETCH(int64_t, columns);
    torch::manual_seed(9);
    const auto x = torch::randn({rows, columns}) * torch::linspace(3, 0.1, columns);
    const auto pca = PcaProjection::fit(x, 5);
    const auto centred = (x - x.mean(0)).to(torch::kFloat64);
    const auto singular = std::get<1>(torch::linalg_svd(centred, false));
    QVERIFY(torch::allclose(pca.explained_variance, singular.slice(0, 0, 5).square() / static_cast<double>(rows - 1), 1e-6, 1e-8));
    QVERIFY(torch::allclose(pca.components.mm(pca.components.t()), torch::eye(5), 1e-4, 1e-4));
    const auto scores = pca.transform(x);
    QVERIFY(torch::allclose(scores.square().sum(0).to(torch::kFloat64) / static_cast<double>(rows - 1), pca.explained_variance, 1e-3, 1e-4));
    // svd_flip: each component's largest-magnitude score is positive.
    const auto largest = scores.gather(0, scores.abs().argmax(0).unsqueeze(0));
    QVERIFY((largest > 0).all().item<bool>());
    QVERIFY(pca.explained_ratio() > 0 && pca.explained_ratio() <= 1.0 + 1e-9);
  }

  void runsSeparateClusters_data() {
    QTest::addColumn<QString>("method");
    QTest::newRow("barnes_hut") << "barnes_hut";
    QTest::newRow("exact") << "exact";
    QTest::newRow("exact over neighbour affinities") << "exact_neighbours";
  }
  void runsSeparateClusters() {
    QFETCH(QString, method);
    const auto data = own_blobs(400, 32, 10);
    TsneParams params;
    params.neighbour_affinities = method.endsWith(QStringLiteral("_neighbours"));
    params.method = *tsne_method_from_string(method.section(QLatin1Char('_'), 0, 0) == QStringLiteral("exact")
                                                 ? std::string("exact") : method.toStdString());
    params.iterations = 500;
    const auto result = run_tsne(data.points, params);
    QCOMPARE(result.iterations, 500);
    QVERIFY(std::isfinite(result.kl) && result.kl > 0);
    const double agreement = neighbour_label_agreement(result.embedding, data.labels);
    QVERIFY2(agreement > 0.95, qPrintable(QString::number(agreement)));
    QVERIFY(neighbour_preservation(data.points, result.embedding) > 0.3);
    // Wrong variants the check must reject: labels shuffled, and a layout of noise.
    QVERIFY(neighbour_label_agreement(result.embedding, data.labels.index_select(0, torch::randperm(400))) < 0.5);
    QVERIFY(neighbour_label_agreement(random_layout(400, 11), data.labels) < 0.5);
    // Deterministic: the same run again gives the same layout.
    QVERIFY(torch::equal(run_tsne(data.points, params).embedding, result.embedding));
  }

  // GPU only: the fused CUDA kernel (and the CUDA tensor ops) against the CPU's exact gradient, and a run.
  void exactGradientOnCudaMatchesTheCpu() {
    if (!torch::cuda::is_available()) QSKIP("no CUDA device");
    const auto data = own_blobs(1500, 16, 12);
    const auto p = dense_affinities(data.points, 30, torch::kCPU);
    const auto y = random_layout(1500, 13);
    GradientOptions options;
    options.exaggeration = 12.0;
    const auto cpu = exact_gradient(y, p, options).first;
    const auto cuda = exact_gradient(y.to(torch::kCUDA), p.to(torch::kCUDA), options).first.cpu();
    QVERIFY2(relative_error(cuda, cpu) < 1e-4, qPrintable(QString::number(relative_error(cuda, cpu))));
    QVERIFY(relative_error(cuda * 1.01, cpu) > 5e-3);  // the check can fail
    TsneParams params;
    params.cuda = true;
    params.iterations = 500;
    const auto run = run_tsne(data.points, params);
    QCOMPARE(run.method, TsneMethod::Exact);
    QVERIFY(neighbour_label_agreement(run.embedding, data.labels) > 0.95);
  }

  void badInputIsRefused() {
    TsneParams params;
    params.perplexity = 0;
    QVERIFY_THROWS_EXCEPTION(Error, run_tsne(torch::randn({10, 3}), params));
    params = TsneParams();
    QVERIFY_THROWS_EXCEPTION(Error, run_tsne(torch::full({10, 3}, NAN), params));
    QVERIFY_THROWS_EXCEPTION(Error, run_tsne(torch::randn({1, 3}), params));
    QVERIFY(!tsne_method_from_string("fast"));
    QCOMPARE(to_string(*tsne_method_from_string("bh")), std::string("barnes_hut"));
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestTsne)
#include "test_tsne.moc"
