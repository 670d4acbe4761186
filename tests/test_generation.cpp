// generate_adapters on a small generator with random weights (what is checked here does not need a
// trained one): adapters are exact views of the decoded rows (balance undone), seeds reproduce, the
// condition's text or image picks the task statistics, step callbacks see every step, and on CUDA the
// whole-generation graph and the per-step graphs give what eager sampling gives.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <fstream>

#include <torch/torch.h>

#include "core/generator/autocast_guard.h"
#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/imaging/image_io.h"
#include "core/util/error.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/tiny_generator.h"

using namespace lorastudio;

namespace {

using test::tiny_generator;

// A binary PPM of one colour.
void write_ppm(const std::string& path, int r, int g, int b) {
  std::ofstream f(path, std::ios::binary);
  f << "P6\n8 8\n255\n";
  for (int i = 0; i < 64; ++i) f.put(char(r)).put(char(g)).put(char(b));
}

GenerateOptions options(const std::string& sampler, int64_t steps, int64_t count = 5) {
  GenerateOptions o;
  o.sampler = sampler;
  o.steps = steps;
  o.count = count;
  o.seed = 11;
  return o;
}

ConditionInput text_condition(const std::string& text) {
  ConditionInput c;
  c.text = text;
  return c;
}

}  // namespace

class TestGeneration : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void adapters_are_the_decoded_rows_data() {
    QTest::addColumn<double>("scale_A");
    QTest::addColumn<double>("scale_B");
    QTest::newRow("identity") << 1.0 << 1.0;
    QTest::newRow("cond-p-diff 0.2 x 200") << 0.2 << 200.0;
  }
  void adapters_are_the_decoded_rows() {
    QFETCH(double, scale_A);
    QFETCH(double, scale_B);
    ConditionalGenerator g = tiny_generator({scale_A, scale_B});
    const GeneratedAdapters out = generate_adapters(g, text_condition("warm red strokes"), options("ddim", 6));
    QCOMPARE(out.task, std::string("red"));
    QCOMPARE(out.params.sizes(), (torch::IntArrayRef{5, g.layout.dim()}));
    QCOMPARE(out.params.scalar_type(), torch::kFloat);
    QCOMPARE(int(out.adapters.size()), 5);
    // Decoded with the red task's statistics: the rows sit around its mean (+1), not blue's (−1).
    QVERIFY(out.params.mean().item<double>() > 0.5);
    for (int64_t i = 0; i < 5; ++i) {
      const LoraAdapter expected = g.layout.unflatten(out.params[i]);
      for (size_t m = 0; m < expected.modules.size(); ++m) {
        QVERIFY(torch::equal(out.adapters[i].modules[m].A, expected.modules[m].A));
        QVERIFY(torch::equal(out.adapters[i].modules[m].B, expected.modules[m].B));
      }
    }
    QVERIFY(out.seconds >= out.sample_seconds);
  }

  void seeds_reproduce_and_differ() {
    ConditionalGenerator g = tiny_generator();
    GenerateOptions o = options("dpmpp", 8);
    const torch::Tensor a = generate_adapters(g, text_condition("cold blue strokes"), o).params;
    const torch::Tensor b = generate_adapters(g, text_condition("cold blue strokes"), o).params;
    o.seed = 12;
    const torch::Tensor c = generate_adapters(g, text_condition("cold blue strokes"), o).params;
    QVERIFY(torch::equal(a, b));
    QVERIFY(!torch::allclose(a, c));
    QVERIFY(a.mean().item<double>() < -0.5);  // the blue task's statistics
  }

  void image_condition_picks_its_task() {
    QTemporaryDir dir;
    const std::string red = dir.filePath("red.ppm").toStdString(), blue = dir.filePath("blue.ppm").toStdString();
    write_ppm(red, 250, 10, 10);
    write_ppm(blue, 10, 10, 250);
    ConditionalGenerator g = tiny_generator({}, "image", {red, blue});
    ConditionInput c;
    c.image = load_rgb_image(blue);
    QCOMPARE(g.task_for_image(c.image), std::string("blue"));
    QCOMPARE(g.task_for_image(load_rgb_image(red)), std::string("red"));
    QCOMPARE(g.task_for_image(torch::zeros({3, 8, 8})), std::string());
    const GeneratedAdapters out = generate_adapters(g, c, options("ddim", 4, 3));
    QCOMPARE(out.task, std::string("blue"));
    // An unseen image with task statistics only: a clear error, not a silent guess.
    c.image = torch::full({3, 8, 8}, 0.5);
    try {
      generate_adapters(g, c, options("ddim", 4, 3));
      QFAIL("no error for an unseen condition under task normalisation");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("--task"), e.what());
    }
  }

  void step_callback_sees_every_step_data() {
    QTest::addColumn<QString>("sampler");
    QTest::addColumn<int>("steps");
    QTest::newRow("ddpm 12") << "ddpm" << 12;
    QTest::newRow("ddim 7") << "ddim" << 7;
    QTest::newRow("dpmpp 9") << "dpmpp" << 9;
  }
  void step_callback_sees_every_step() {
    QFETCH(QString, sampler);
    QFETCH(int, steps);
    ConditionalGenerator g = tiny_generator();
    GenerateOptions o = options(sampler.toStdString(), steps);
    o.decode_steps = true;
    std::vector<int64_t> timesteps;
    torch::Tensor last_x0;
    const GeneratedAdapters out = generate_adapters(g, text_condition("warm red strokes"), o, [&](const GenerationStep& s) {
      timesteps.push_back(s.timestep);
      last_x0 = s.x0_params;
      return s.total == steps && s.x_t.size(0) == 5 && s.x0_params.size(1) == g.layout.dim();
    });
    QVERIFY(!out.cancelled);
    QCOMPARE(int(timesteps.size()), steps);
    QVERIFY(std::is_sorted(timesteps.rbegin(), timesteps.rend()));  // descending
    // The callback path gives what the callback-free path gives.
    QVERIFY(torch::equal(out.params, generate_adapters(g, text_condition("warm red strokes"), o).params));
  }

  // The tiny generator with a latent of principal components of its `varying` kept coordinates, fitted on random rows.
  static ConditionalGenerator principal_component_generator(int varying) {
    const ConditionalGenerator t = tiny_generator({0.2, 200}, "text", {}, varying);
    GeneratorConfig c = t.config;
    c.autoencoder.kind = "pca";
    ConditionalGenerator g(c, t.layout, t.normalizer, t.tasks);
    g.autoencoder->set_kept_coordinates(t.autoencoder->named_buffers()["kept_coordinates"].clone());
    torch::manual_seed(3);
    g.autoencoder->fit_principal_components(torch::randn({64, g.layout.dim()}));  // rows of every coordinate
    g.eval();
    return g;
  }

  void cuda_graphs_match_eager_data() {
    QTest::addColumn<QString>("sampler");
    QTest::addColumn<int>("steps");
    QTest::addColumn<double>("guidance");
    QTest::addColumn<bool>("whole_graph");
    QTest::addColumn<int>("varying");  // > 0: an autoencoder that sees only that many coordinates
    QTest::addColumn<bool>("pca");     // the latent holds principal components (the text world's generator)
    QTest::newRow("ddim 25") << "ddim" << 25 << 1.0 << true << 0 << false;
    QTest::newRow("dpmpp 25 cfg 2") << "dpmpp" << 25 << 2.0 << true << 0 << false;
    QTest::newRow("ddpm 50 (per-step graphs)") << "ddpm" << 50 << 1.0 << false << 0 << false;
    QTest::newRow("ddim 25, varying coordinates") << "ddim" << 25 << 1.0 << true << 40 << false;
    QTest::newRow("ddim 25 cfg 4, principal components") << "ddim" << 25 << 4.0 << true << 40 << true;
  }
  void cuda_graphs_match_eager() {
    if (!torch::cuda::is_available()) QSKIP("needs a CUDA device");
    if (!CudaGraphRunner::supported()) QSKIP("built without CUDA graph support");
    QFETCH(QString, sampler);
    QFETCH(int, steps);
    QFETCH(double, guidance);
    QFETCH(bool, whole_graph);
    QFETCH(int, varying);
    QFETCH(bool, pca);
    ConditionalGenerator g = pca ? principal_component_generator(varying) : tiny_generator({0.2, 200}, "text", {}, varying);
    g.to(torch::kCUDA);
    GenerateOptions o = options(sampler.toStdString(), steps, 20);
    o.guidance = guidance;
    o.cuda_graphs = false;
    const GeneratedAdapters eager = generate_adapters(g, text_condition("warm red strokes"), o);
    o.cuda_graphs = true;
    const GeneratedAdapters first = generate_adapters(g, text_condition("warm red strokes"), o);
    const int captures = g.graphs->captures();
    const GeneratedAdapters again = generate_adapters(g, text_condition("warm red strokes"), o);
    QCOMPARE(g.graphs->captures(), captures);  // replayed, not captured again
    QCOMPARE(g.graphs->failures(), 0);
    QCOMPARE(first.whole_graph, whole_graph);
    QVERIFY(torch::equal(first.params, again.params));
    const double err = (first.params - eager.params).abs().max().item<double>();
    const double scale = eager.params.abs().max().item<double>();
    QVERIFY2(err <= 1e-4 * scale, qPrintable(QString("max abs difference %1 of %2").arg(err).arg(scale)));
    QVERIFY(!first.params.is_cuda() && first.adapters[3].modules[1].B.device().is_cpu());
    // A different input (seed) through the same graph.
    o.seed = 99;
    o.cuda_graphs = false;
    const torch::Tensor eager99 = generate_adapters(g, text_condition("warm red strokes"), o).params;
    o.cuda_graphs = true;
    const torch::Tensor graph99 = generate_adapters(g, text_condition("warm red strokes"), o).params;
    QVERIFY((graph99 - eager99).abs().max().item<double>() <= 1e-4 * scale);
    QVERIFY(!torch::allclose(graph99, first.params));
  }

  // Each guidance value is its own graph; only the most recently used kMaxGraphs are kept.
  void cuda_graphs_are_bounded() {
    if (!torch::cuda::is_available()) QSKIP("needs a CUDA device");
    if (!CudaGraphRunner::supported()) QSKIP("built without CUDA graph support");
    ConditionalGenerator g = tiny_generator();
    g.to(torch::kCUDA);
    GenerateOptions o = options("ddim", 3, 4);
    const int kinds = static_cast<int>(CudaGraphRunner::kMaxGraphs) + 1;
    for (int i = 0; i < kinds; ++i) {
      o.guidance = 1.0 + i;
      QVERIFY(generate_adapters(g, text_condition("warm red strokes"), o).whole_graph);
    }
    QCOMPARE(g.graphs->captures(), kinds);
    QCOMPARE(g.graphs->size(), CudaGraphRunner::kMaxGraphs);
    o.guidance = 1.0 + kinds - 1;  // the most recent: still kept
    generate_adapters(g, text_condition("warm red strokes"), o);
    QCOMPARE(g.graphs->captures(), kinds);
    o.guidance = 1.0;  // the oldest: evicted, captured again
    QVERIFY(generate_adapters(g, text_condition("warm red strokes"), o).whole_graph);
    QCOMPARE(g.graphs->captures(), kinds + 1);
    QCOMPARE(g.graphs->size(), CudaGraphRunner::kMaxGraphs);
  }

  void bf16_autocast_keeps_float32_weights() {
    if (!torch::cuda::is_available()) QSKIP("needs a CUDA device");
    ConditionalGenerator g = tiny_generator();
    g.to(torch::kCUDA);
    GenerateOptions o = options("ddim", 25, 20);
    const torch::Tensor fp32 = generate_adapters(g, text_condition("warm red strokes"), o).params;
    AutocastGuard bf16(true);
    const torch::Tensor mixed = generate_adapters(g, text_condition("warm red strokes"), o).params;
    QCOMPARE(mixed.scalar_type(), torch::kFloat);
    // bf16 denoising moves the samples a little, not to another place: relative difference well below 10%.
    const double rel = ((mixed - fp32).norm() / fp32.norm()).item<double>();
    QVERIFY2(rel < 0.1, qPrintable(QString::number(rel)));
  }

  void rejects_bad_options() {
    ConditionalGenerator g = tiny_generator();
    QVERIFY_EXCEPTION_THROWN(generate_adapters(g, text_condition("warm red strokes"), options("ddim", 0)), Error);
    QVERIFY_EXCEPTION_THROWN(generate_adapters(g, text_condition("warm red strokes"), options("ddim", 5, 0)), Error);
    QVERIFY_EXCEPTION_THROWN(generate_adapters(g, text_condition("warm red strokes"), options("euler", 5)), Error);
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestGeneration)
#include "test_generation.moc"
