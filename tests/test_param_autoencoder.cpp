// The parameter autoencoder's "varying" coordinates: the network sees only the kept coordinates (changing any
// other leaves the latent unchanged, which the "all" autoencoder — the wrong variant here — does not), the decoder
// puts 0 (the normalised constant) everywhere else, the kept indices travel with the weights, and training on a
// zoo with constant coordinates keeps exactly the varying ones.
// Kind "pca": the latent is the zoo's leading principal components (component j at [j mod C, j div C]); its
// reconstruction error is exactly the discarded singular values' share (a latent too small for the data — the
// wrong variant — leaves that share, and the check still holds); it travels with the weights and a generator
// trained with it reconstructs a synthetic zoo far better than the convolutional autoencoder of the same size.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <torch/torch.h>

#include "core/generator/generator_trainer.h"
#include "core/generator/conditional_generator.h"
#include "core/generator/module_weights.h"
#include "core/generator/param_autoencoder.h"
#include "core/util/error.h"
#include "tests/support/error_text.h"
#include "core/zoo/synthetic_zoo.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

namespace {

AutoencoderConfig small_config(const std::string& coordinates, int64_t active_dim) {
  AutoencoderConfig c;
  c.input_dim = 40;
  c.patch = 4;
  c.channels = {8};
  c.latent_channels = 2;
  c.latent_length = 2;
  c.coordinates = coordinates;
  c.active_dim = active_dim;
  return c;
}

torch::Tensor even_indices() { return torch::arange(0, 20, 2, torch::kLong); }

AutoencoderConfig pca_config(int64_t channels, int64_t length) {
  AutoencoderConfig c;
  c.kind = "pca";
  c.input_dim = 40;
  c.latent_channels = channels;
  c.latent_length = length;
  return c;
}

// [n, 40] rows of rank `rank` around a mean, with decreasing scales along the directions.
torch::Tensor low_rank_rows(int64_t n, int64_t rank) {
  torch::manual_seed(3);
  const torch::Tensor basis = std::get<0>(torch::linalg_qr(torch::randn({40, rank}, torch::kDouble))).t();
  const torch::Tensor scales = torch::linspace(3.0, 0.5, rank, torch::kDouble);
  return (torch::randn({n, rank}, torch::kDouble) * scales).matmul(basis) + torch::randn({1, 40}, torch::kDouble);
}

double relative_error(const torch::Tensor& x, const torch::Tensor& r) {
  return ((r - x).norm() / x.norm()).item<double>();
}

GeneratorConfig tiny_generator_config(const std::string& kind) {
  GeneratorConfig c;
  c.autoencoder.kind = kind;
  c.autoencoder.patch = 8;
  c.autoencoder.channels = {8};
  c.autoencoder.latent_channels = 2;
  c.autoencoder.latent_length = 4;
  c.denoiser.channels = {8};
  c.denoiser.emb_dim = 8;
  c.condition.kind = "onehot";
  c.normalization.mode = NormalizationMode::Global;
  c.train.ae_steps = 50;
  c.train.diffusion_steps = 4;
  c.train.checkpoint_every = 50;
  return c;
}

}  // namespace

class TestParamAutoencoder : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void sees_only_the_kept_coordinates_data() {
    QTest::addColumn<QString>("coordinates");
    QTest::addColumn<bool>("blind_to_others");
    QTest::newRow("varying") << "varying" << true;
    QTest::newRow("all (wrong variant: sees everything)") << "all" << false;
  }
  void sees_only_the_kept_coordinates() {
    QFETCH(QString, coordinates);
    QFETCH(bool, blind_to_others);
    torch::manual_seed(0);
    ParamAutoencoder ae(small_config(coordinates.toStdString(), coordinates == "varying" ? 10 : 0));
    if (blind_to_others) ae->set_kept_coordinates(even_indices());
    ae->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({3, 40});
    torch::Tensor y = x.clone();
    y.index_put_({torch::indexing::Slice(), 1}, 7.0);  // an odd coordinate: not kept
    QCOMPARE(torch::equal(ae->encode(x), ae->encode(y)), blind_to_others);
    const torch::Tensor r = ae->decode(ae->encode(x));
    QCOMPARE(r.sizes(), x.sizes());
    const torch::Tensor others = r.index_select(1, even_indices() + 1);
    QCOMPARE(others.abs().max().item<double>() == 0.0, blind_to_others);
    QVERIFY(r.index_select(1, even_indices()).abs().max().item<double>() > 0);
  }

  void kept_coordinates_travel_with_the_weights() {
    QTemporaryDir tmp;
    ParamAutoencoder a(small_config("varying", 10)), b(small_config("varying", 10));
    a->set_kept_coordinates(even_indices() + 1);
    save_module_weights(*a, tmp.filePath("ae.safetensors").toStdString());
    load_module_weights(*b, tmp.filePath("ae.safetensors").toStdString());
    QVERIFY(torch::equal(b->named_buffers()["kept_coordinates"], even_indices() + 1));
    const AutoencoderConfig back = AutoencoderConfig::from_json(a->config().to_json(), "cfg");
    QCOMPARE(back.active_dim, int64_t(10));
    QCOMPARE(back.coordinates, std::string("varying"));
    QVERIFY(!test::error_of([] { AutoencoderConfig::from_json({{"coordinates", "some"}}, "cfg"); }).isEmpty());
    QVERIFY(!test::error_of([&] { a->set_kept_coordinates(torch::arange(3, torch::kLong)); }).isEmpty());
  }

  // A zoo whose first 100 coordinates are shared by every checkpoint of every task: training keeps the others.
  void training_keeps_the_varying_coordinates() {
    QTemporaryDir tmp;
    SyntheticZooSpec spec;
    spec.tasks = 2;
    spec.checkpoints = 8;
    spec.modules = 2;
    spec.shared_coordinates = 100;
    const Zoo zoo = make_synthetic_zoo(tmp.filePath("zoo").toStdString(), spec);
    const torch::Tensor all = torch::cat({zoo.task_params("task0"), zoo.task_params("task1")});
    const torch::Tensor varying = std::get<0>(all.max(0)) - std::get<0>(all.min(0)) > 0;
    GeneratorConfig c;
    c.autoencoder = small_config("varying", 0);
    c.autoencoder.patch = 8;
    c.denoiser.channels = {8};
    c.denoiser.emb_dim = 8;
    c.condition.kind = "onehot";
    c.normalization.mode = NormalizationMode::Global;  // task statistics would scale a shared value differently per task
    c.train.ae_steps = 4;
    c.train.diffusion_steps = 4;
    c.train.checkpoint_every = 4;
    const TrainResult r = train_generator(zoo, c, tmp.filePath("gen").toStdString(), false);
    QVERIFY(!r.cancelled);
    const ConditionalGenerator g = ConditionalGenerator::load(tmp.filePath("gen").toStdString());
    QCOMPARE(g.config.autoencoder.active_dim, varying.sum().item<int64_t>());
    QCOMPARE(g.config.autoencoder.active_dim, g.layout.dim() - 100);
    QVERIFY(torch::equal(g.autoencoder->named_buffers()["kept_coordinates"], torch::nonzero(varying).flatten()));
  }

  void principal_components_reconstruct_what_they_keep_data() {
    QTest::addColumn<int64_t>("channels");
    QTest::addColumn<int64_t>("length");
    QTest::addColumn<int64_t>("rank");
    QTest::newRow("latent 6 of rank-6 rows: exact") << int64_t(2) << int64_t(3) << int64_t(6);
    QTest::newRow("latent 4 of rank-6 rows (wrong variant: too small)") << int64_t(2) << int64_t(2) << int64_t(6);
    QTest::newRow("latent 8 of rank-6 rows: unused directions zero") << int64_t(4) << int64_t(2) << int64_t(6);
  }
  void principal_components_reconstruct_what_they_keep() {
    QFETCH(int64_t, channels);
    QFETCH(int64_t, length);
    QFETCH(int64_t, rank);
    const torch::Tensor x = low_rank_rows(200, rank).to(torch::kFloat);
    ParamAutoencoder ae(pca_config(channels, length));
    QVERIFY(ae->is_linear());
    QVERIFY(ae->parameters().empty());  // fitted, nothing to train
    ae->fit_principal_components(x);
    torch::NoGradGuard no_grad;
    const torch::Tensor z = ae->encode(x);
    QCOMPARE(z.sizes(), (torch::IntArrayRef{200, channels, length}));
    const torch::Tensor r = ae->decode(z);
    const torch::Tensor centred = x.to(torch::kDouble) - x.to(torch::kDouble).mean(0);
    const torch::Tensor s = torch::linalg_svdvals(centred);
    const int64_t k = std::min(channels * length, s.size(0));
    const double discarded = s.slice(0, k).square().sum().item<double>();
    const double expected = std::sqrt(discarded) / x.to(torch::kDouble).norm().item<double>();
    const double error = relative_error(x.to(torch::kDouble), r.to(torch::kDouble));
    QVERIFY2(std::abs(error - expected) < 1e-4, qPrintable(QString("%1 vs %2").arg(error).arg(expected)));
    QCOMPARE(error < 1e-4, channels * length >= rank);
    // Component j sits at [j mod C, j div C]: variances fall along the flattened position-major order.
    const torch::Tensor variance = z.transpose(1, 2).reshape({200, -1}).var(0);
    for (int64_t j = 1; j < std::min(k, rank); ++j) QVERIFY(variance[j].item<double>() <= variance[j - 1].item<double>() * 1.0001);
  }

  void principal_components_travel_with_the_weights() {
    QTemporaryDir tmp;
    ParamAutoencoder a(pca_config(2, 3)), b(pca_config(2, 3));
    const torch::Tensor x = low_rank_rows(50, 6).to(torch::kFloat);
    a->fit_principal_components(x);
    save_module_weights(*a, tmp.filePath("ae.safetensors").toStdString());
    load_module_weights(*b, tmp.filePath("ae.safetensors").toStdString());
    torch::NoGradGuard no_grad;
    QVERIFY(torch::allclose(b->decode(b->encode(x)), x, 1e-4, 1e-4));
    QCOMPARE(AutoencoderConfig::from_json(a->config().to_json(), "cfg").kind, std::string("pca"));
    QVERIFY(test::error_of([] { AutoencoderConfig::from_json({{"kind", "svd"}}, "cfg"); }).contains("kind"));
    AutoencoderConfig vae = pca_config(2, 3);
    vae.kl_weight = 0.1;
    QVERIFY(test::error_of([&] { ParamAutoencoder bad(vae); }).contains("KL"));
    ParamAutoencoder conv(small_config("all", 0));
    QVERIFY(!test::error_of([&] { conv->fit_principal_components(x); }).isEmpty());
  }

  // On a synthetic zoo (4 tasks, latent 8 values): the generator's reconstruction error, principal components
  // against the convolutional autoencoder trained for 50 steps (the wrong variant for this check).
  void a_generator_fits_principal_components_instead_of_training() {
    QTemporaryDir tmp;
    const Zoo zoo = make_synthetic_zoo(tmp.filePath("zoo").toStdString(), SyntheticZooSpec{});
    const TrainResult pca = train_generator(zoo, tiny_generator_config("pca"), tmp.filePath("pca").toStdString(), false);
    const TrainResult conv = train_generator(zoo, tiny_generator_config("conv"), tmp.filePath("conv").toStdString(), false);
    qInfo("relative reconstruction error: principal components %.4f, convolutional %.4f; against the within-task "
          "spread: %.3f, %.3f", pca.reconstruction_error, conv.reconstruction_error, pca.reconstruction_to_spread,
          conv.reconstruction_to_spread);
    // The 4 task means span 3 directions of the 8 kept: what is lost is part of the within-task spread only.
    QVERIFY(pca.reconstruction_to_spread < 1);
    QVERIFY(conv.reconstruction_to_spread > 1);
    QVERIFY(conv.reconstruction_error > 2 * pca.reconstruction_error);
    const ConditionalGenerator g = ConditionalGenerator::load(tmp.filePath("pca").toStdString());
    QCOMPARE(g.config.autoencoder.kind, std::string("pca"));
    QVERIFY(g.autoencoder->named_buffers()["principal_components"].abs().sum().item<double>() > 0);
  }
};

LORASTUDIO_TEST_MAIN(TestParamAutoencoder)
#include "test_param_autoencoder.moc"
