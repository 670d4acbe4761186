// The parameter autoencoder's "varying" coordinates: the network sees only the kept coordinates (changing any
// other leaves the latent unchanged, which the "all" autoencoder — the wrong variant here — does not), the decoder
// puts 0 (the normalised constant) everywhere else, the kept indices travel with the weights, and training on a
// zoo with constant coordinates keeps exactly the varying ones.
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
};

LORASTUDIO_TEST_MAIN(TestParamAutoencoder)
#include "test_param_autoencoder.moc"
