// The condition walk (core/generator/condition_walk.h) on the shipped style demo's generator: its ends are
// exactly the adapters generated for the two conditions alone (same seed), the points between are blends that
// differ from both, the weight-space interpolation between the ends starts and ends on the walk's ends, and the
// evenness figure tells an even path (1/(P−1)) from a jump (1) on constructed paths. The engine API takes the
// same walk (Condition::towards).
#include <QtTest/QtTest>

#include <torch/torch.h>

#include "core/generator/condition_walk.h"
#include "core/imaging/image_io.h"
#include "core/lorastudio.h"
#include "core/style/style_demo.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;

namespace {

std::string demo_dir() { return test::project_path("models/demo/style-procedural"); }

ConditionInput image_condition(const StyleDemo& demo, const std::string& style) {
  ConditionInput c;
  c.image = load_rgb_image(demo.style(style)->conditions.front());
  return c;
}

}  // namespace

class TestConditionWalk : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void evenness_tells_a_walk_from_a_jump() {
    const auto t = torch::linspace(0, 1, 5).unsqueeze(1);
    const auto even = torch::cat({t, t * 2}, 1);
    QVERIFY(std::abs(path_largest_step(even) - 0.25) < 1e-6);
    const auto jump = torch::tensor({0.f, 0.f, 0.f, 1.f, 1.f}).unsqueeze(1);  // a copy of one end, then the other
    QVERIFY(std::abs(path_largest_step(jump) - 1.0) < 1e-6);
  }

  void walks_between_two_styles() {
    if (!image_io_has_opencv()) QSKIP("this build has no OpenCV to read the demo's PNG condition images");
    const StyleDemo demo = StyleDemo::load(demo_dir());
    ConditionWalkOptions o;
    o.points = 5;
    o.generation.count = 2;
    o.generation.steps = 10;
    o.generation.seed = 3;
    const ConditionInput a = image_condition(demo, "sepia"), b = image_condition(demo, "colormap_jet");
    int calls = 0;
    const ConditionWalk walk = condition_walk(*demo.generator, a, b, o, [&](int done, int total) {
      ++calls;
      return done <= total;
    });
    QCOMPARE(calls, 5);
    QCOMPARE(walk.weights.size(), size_t(5));
    QCOMPARE(walk.adapters.size(), size_t(10));
    QCOMPARE(walk.params.size(0), int64_t(10));
    QCOMPARE(walk.latents.size(0), int64_t(10));
    const auto alone_a = generate_adapters(*demo.generator, a, o.generation).params;
    const auto alone_b = generate_adapters(*demo.generator, b, o.generation).params;
    QVERIFY(torch::equal(walk.params.slice(0, 0, 2), alone_a));  // weight 0: the first condition itself
    QVERIFY(torch::equal(walk.params.slice(0, 8, 10), alone_b));  // weight 1: the other one
    const auto middle = walk.params.slice(0, 4, 6);
    QVERIFY((middle - alone_a).abs().max().item<double>() > 1e-3);
    QVERIFY((middle - alone_b).abs().max().item<double>() > 1e-3);
    QVERIFY(walk.interpolation_params.defined());  // the demo's adapters share their A factors
    QVERIFY(torch::equal(walk.interpolation_params[0], walk.params[0]));
    QVERIFY(torch::allclose(walk.interpolation_params[-1], walk.params[8], 1e-5, 1e-6));
    QVERIFY(walk.largest_step > 0 && walk.largest_step <= 1.0 + 1e-6);
    qInfo("sepia → colormap_jet: largest walk step %.2f of the end-to-end distance, interpolation %.2f (even: 0.25)",
          walk.largest_step, walk.interpolation_largest_step);
  }

  void the_api_walks_too() {
    if (!image_io_has_opencv()) QSKIP("this build has no OpenCV to read the demo's PNG condition images");
    const StyleDemo demo = StyleDemo::load(demo_dir());
    auto generator = api::Generator::load(demo_dir() + "/generator");
    api::Condition a, b;
    a.image_path = demo.style("sepia")->conditions.front();
    b.image_path = demo.style("emboss")->conditions.front();
    api::GenerationParams p;
    p.count = 1;
    p.steps = 5;
    const auto alone = generator->generate(a, p);
    a.towards = std::make_shared<const api::Condition>(b);
    a.towards_weight = 0;
    const auto zero = generator->generate(a, p);
    QVERIFY(std::equal(zero.parameters.values.get(), zero.parameters.values.get() + zero.parameters.size(), alone.parameters.values.get()));
    a.towards_weight = 0.5;
    const auto half = generator->generate(a, p);
    QCOMPARE(half.task, std::string());  // a blend decodes with the global statistics
    QVERIFY(!std::equal(half.parameters.values.get(), half.parameters.values.get() + half.parameters.size(), alone.parameters.values.get()));
  }
};

LORASTUDIO_TEST_MAIN(TestConditionWalk)
#include "test_condition_walk.moc"
