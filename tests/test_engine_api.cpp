// The public engine API (core/lorastudio.h): enums' string round trips, loading, generation with progress
// and previews, cancel, refusal or serialisation of concurrent generations, results that stay as they were
// while the generator works on, and clear errors. GPU rows (fast paths) QSKIP without CUDA.
#include <QTemporaryDir>
#include <QtTest>

#include "tests/support/test_main.h"

#include <atomic>
#include <condition_variable>
#include <thread>

#include <torch/torch.h>

#include "core/api/tensor_bridge.h"
#include "core/lora/lora_adapter.h"
#include "core/lorastudio.h"
#include "core/util/error.h"
#include "tests/support/tiny_generator.h"

using namespace lorastudio;

namespace {

double checksum(const api::FloatArray& a) {
  double s = 0;
  for (int64_t i = 0; i < a.size(); ++i) s += a.at(i) * double(1 + i % 7);
  return s;
}

// A latch the generating thread waits on inside its progress callback.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false, entered = false;
  void wait_inside() {
    std::unique_lock<std::mutex> l(m);
    entered = true;
    cv.notify_all();
    cv.wait(l, [this] { return open; });
  }
  void wait_entered() {
    std::unique_lock<std::mutex> l(m);
    cv.wait(l, [this] { return entered; });
  }
  void release() {
    std::lock_guard<std::mutex> l(m);
    open = true;
    cv.notify_all();
  }
};

bool cuda() { return torch::cuda::is_available(); }

}  // namespace

class TestEngineApi : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  std::string dir_;
  std::shared_ptr<api::Generator> generator_;

  api::Condition red() const {
    api::Condition c;
    c.text = "warm red strokes";
    return c;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    dir_ = tmp_.filePath("generator").toStdString();
    ConditionalGenerator g = test::tiny_generator();
    {
      // An untrained denoiser ends in a zero convolution (it predicts 0 whatever the precision): perturb it so
      // that outputs depend on how it computes.
      torch::NoGradGuard no_grad;
      torch::manual_seed(5);
      for (auto& p : g.denoiser->parameters()) p.add_(torch::randn_like(p) * 0.05);
    }
    g.save(dir_);
    generator_ = api::Generator::load(dir_);
  }

  void sampler_names_round_trip() {
    for (api::Sampler s : api::all_samplers()) QCOMPARE(*api::sampler_from_string(api::to_string(s)), s);
    QCOMPARE(api::all_samplers().size(), size_t(3));
    QCOMPARE(*api::sampler_from_string("DPM++"), api::Sampler::DpmSolverPP);
    for (const char* bad : {"", "euler", "ddim2", "dpm"}) QVERIFY2(!api::sampler_from_string(bad), bad);
  }

  void device_names_round_trip_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::newRow("cpu") << "cpu" << true;
    QTest::newRow("cuda") << "cuda" << true;
    QTest::newRow("cuda:1") << "cuda:1" << true;
    QTest::newRow("gpu") << "gpu" << false;
    QTest::newRow("cuda:") << "cuda:" << false;
    QTest::newRow("cuda:x") << "cuda:x" << false;
    QTest::newRow("cuda:-1") << "cuda:-1" << false;
    QTest::newRow("cuda:1234") << "cuda:1234" << false;
  }
  void device_names_round_trip() {
    QFETCH(QString, name);
    QFETCH(bool, valid);
    const auto d = api::device_from_string(name.toStdString());
    QCOMPARE(d.has_value(), valid);
    if (valid) QCOMPARE(QString::fromStdString(api::to_string(*d)), name);
    QVERIFY(api::is_available(api::Device{}));
    QCOMPARE(api::available_devices().front(), api::Device{});
  }

  void other_enums_round_trip() {
    for (auto p : {api::Precision::Float32, api::Precision::BFloat16})
      QCOMPARE(*api::precision_from_string(api::to_string(p)), p);
    for (auto w : {api::WhenBusy::Wait, api::WhenBusy::Refuse}) QCOMPARE(*api::when_busy_from_string(api::to_string(w)), w);
    QVERIFY(!api::precision_from_string("fp16"));
    QVERIFY(!api::when_busy_from_string("queue"));
  }

  void info_describes_the_bundle() {
    const api::GeneratorInfo& info = generator_->info();
    QCOMPARE(info.tasks.size(), size_t(2));
    QCOMPARE(QString::fromStdString(info.tasks[0].name), QString("red"));
    QCOMPARE(QString::fromStdString(info.condition_kind), QString("text"));
    QCOMPARE(info.modules, int64_t(2));
    QCOMPARE(info.parameters, int64_t(2 * (2 * 16 + 16 * 2)));
    QVERIFY(info.train_timesteps >= 25);
  }

  void load_errors_name_the_directory() {
    const std::string missing = tmp_.filePath("nothing-here").toStdString();
    try {
      api::Generator::load(missing);
      QFAIL("loaded a missing generator");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find(missing) != std::string::npos, e.what());
    }
  }

  void generates_with_progress_and_previews_data() {
    QTest::addColumn<int>("steps");
    QTest::addColumn<int>("every");
    QTest::addColumn<int>("previews");
    QTest::newRow("every step") << 6 << 1 << 6;
    QTest::newRow("every 4th and the last") << 10 << 4 << 3;  // 4, 8, 10
    QTest::newRow("none") << 5 << 0 << 0;
  }
  void generates_with_progress_and_previews() {
    QFETCH(int, steps);
    QFETCH(int, every);
    QFETCH(int, previews);
    api::GenerationParams p;
    p.count = 3;
    p.steps = steps;
    p.preview_every = every;
    p.preview_parameters = true;
    std::vector<int> progress, preview_steps;
    const api::GenerationResult r = generator_->generate(
        red(), p,
        [&](const api::Progress& s) {
          progress.push_back(s.step);
          return s.total == steps;
        },
        [&](const api::Preview& s) {
          preview_steps.push_back(s.step);
          const std::vector<int64_t> latent{3, generator_->info().latent_channels, generator_->info().latent_length};
          const std::vector<int64_t> params{3, generator_->info().parameters};
          return s.x_t.shape == latent && s.x0_latent.shape == latent && s.x0_params.shape == params;
        });
    QVERIFY(!r.cancelled);
    QCOMPARE(int(progress.size()), steps);
    QCOMPARE(progress.front(), 1);
    QCOMPARE(progress.back(), steps);
    QCOMPARE(int(preview_steps.size()), previews);
    if (previews) QCOMPARE(preview_steps.back(), steps);
    QCOMPARE(r.adapters->size(), size_t(3));
    QCOMPARE(r.parameters.shape, (std::vector<int64_t>{3, generator_->info().parameters}));
    QCOMPARE(QString::fromStdString(r.task), QString("red"));  // recognised by its text
  }

  void same_seed_same_adapters() {
    api::GenerationParams p;
    p.count = 2;
    p.steps = 5;
    p.seed = 11;
    const auto a = generator_->generate(red(), p), b = generator_->generate(red(), p);
    p.seed = 12;
    const auto c = generator_->generate(red(), p);
    QVERIFY(torch::equal(api::tensor_view(a.parameters), api::tensor_view(b.parameters)));
    QVERIFY(!torch::allclose(api::tensor_view(a.parameters), api::tensor_view(c.parameters)));
    // The adapters are the parameters, unflattened.
    const LoraAdapter& first = a.adapters->front();
    QCOMPARE(first.modules.size(), size_t(2));
    QVERIFY(torch::isfinite(first.modules[0].A).all().item<bool>());
  }

  void a_callback_cancels() {
    api::GenerationParams p;
    p.steps = 20;
    int calls = 0;
    const auto r = generator_->generate(red(), p, [&](const api::Progress& s) {
      ++calls;
      return s.step < 3;
    });
    QVERIFY(r.cancelled);
    QCOMPARE(calls, 3);
    QVERIFY(!r.adapters || r.adapters->empty());
  }

  void cancel_from_another_thread() {
    api::GenerationParams p;
    p.steps = 200;
    Gate gate;
    std::atomic<int> steps{0};
    api::GenerationResult r;
    std::thread worker([&] {
      r = generator_->generate(red(), p, [&](const api::Progress& s) {
        if (s.step == 2) gate.wait_inside();
        ++steps;
        return true;
      });
    });
    gate.wait_entered();
    QVERIFY(generator_->busy());
    generator_->cancel();
    gate.release();
    worker.join();
    QVERIFY(r.cancelled);
    QVERIFY2(steps < 200, "cancel() did not stop the generation");
    QVERIFY(!generator_->busy());
    // The next generation is not cancelled by the earlier request.
    p.steps = 3;
    QVERIFY(!generator_->generate(red(), p).cancelled);
  }

  void concurrent_generation_is_refused_or_serialised() {
    api::GenerationParams p;
    p.steps = 4;
    p.count = 2;
    Gate gate;
    std::atomic<int> inside{0}, most_inside{0};
    auto watch = [&](const api::Progress&) {
      const int now = ++inside;
      most_inside = std::max(most_inside.load(), now);
      --inside;
      return true;
    };
    std::thread first([&] {
      generator_->generate(red(), p, [&](const api::Progress& s) {
        if (s.step == 1) gate.wait_inside();
        return watch(s);
      });
    });
    gate.wait_entered();
    api::GenerationParams refuse = p;
    refuse.when_busy = api::WhenBusy::Refuse;
    bool refused = false;
    try {
      generator_->generate(red(), refuse);
    } catch (const Error& e) {
      refused = std::string(e.what()).find("busy") != std::string::npos;
    }
    QVERIFY2(refused, "a second generation ran beside the first");
    std::thread second([&] { generator_->generate(red(), p, watch); });  // waits for the first
    gate.release();
    first.join();
    second.join();
    QCOMPARE(most_inside.load(), 1);
  }

  void results_stay_while_the_generator_works_on() {
    api::GenerationParams p;
    p.count = 4;
    p.steps = 5;
    p.seed = 3;
    const api::GenerationResult kept = generator_->generate(red(), p);
    const double before = checksum(kept.parameters);
    const torch::Tensor first_A = kept.adapters->front().modules[0].A.clone();
    std::atomic<bool> done{false};
    std::thread worker([&] {
      api::GenerationParams q = p;
      for (uint64_t seed = 4; seed < 10; ++seed) {
        q.seed = seed;
        generator_->generate(red(), q);
      }
      done = true;
    });
    int reads = 0;
    while (!done || reads == 0) {  // the "GUI thread" reads the earlier result meanwhile
      QCOMPARE(checksum(kept.parameters), before);
      ++reads;
    }
    worker.join();
    QVERIFY(torch::equal(kept.adapters->front().modules[0].A, first_A));
  }

  void warm_up_does_nothing_on_the_cpu() { QCOMPARE(generator_->warm_up(red(), api::GenerationParams{}), 0.0); }

  void bad_requests_are_clear_errors_data() {
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown task") << "task" << "no task \"green\"";
    QTest::newRow("no condition") << "empty" << "no condition";
    QTest::newRow("missing image") << "image" << "missing.png";
    QTest::newRow("steps") << "steps" << "steps must be 1 to";
    QTest::newRow("count") << "count" << "number of adapters";
    QTest::newRow("guidance") << "guidance" << "guidance scale";
    QTest::newRow("device") << "device" << "cuda:99 is not available";
    QTest::newRow("preview_every") << "preview" << "preview_every";
  }
  void bad_requests_are_clear_errors() {
    QFETCH(QString, what);
    QFETCH(QString, expected);
    api::Condition c = red();
    api::GenerationParams p;
    p.steps = 3;
    if (what == "task") c.task = "green";
    if (what == "empty") c = api::Condition{};
    if (what == "image") c.image_path = tmp_.filePath("missing.png").toStdString();
    if (what == "steps") p.steps = 100000;
    if (what == "count") p.count = 0;
    if (what == "guidance") p.guidance = std::nan("");
    if (what == "device") p.device = api::Device{api::DeviceKind::Cuda, 99};
    if (what == "preview") p.preview_every = -1;
    try {
      generator_->generate(c, p);
      QFAIL("accepted a bad request");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
    QVERIFY(!generator_->busy());
  }

  // The fast paths on CUDA: no callbacks = one whole-generation graph; progress only = per-step graphs
  // with the same adapters (deterministic DDIM); previews still work; bf16 is set by the options.
  void cuda_fast_paths_keep_results() {
    if (!cuda()) QSKIP("needs a CUDA device (run on the GPU machine: scripts/gpu-check.sh)");
    api::GenerationParams p;
    p.count = 4;
    p.steps = 10;
    p.device = *api::device_from_string("cuda");
    QVERIFY(generator_->warm_up(red(), p) > 0);
    const auto whole = generator_->generate(red(), p);
    QVERIFY(whole.whole_graph);
    int steps = 0;
    const auto per_step = generator_->generate(red(), p, [&](const api::Progress&) { return ++steps > 0; });
    QVERIFY(!per_step.whole_graph);
    QCOMPARE(steps, 10);
    QVERIFY(torch::allclose(api::tensor_view(whole.parameters), api::tensor_view(per_step.parameters), 1e-4, 1e-5));
    p.precision = api::Precision::BFloat16;
    p.preview_every = 5;
    int previews = 0;
    const auto bf16 = generator_->generate(red(), p, {}, [&](const api::Preview& s) { return !s.x_t.empty() && ++previews; });
    QCOMPARE(previews, 2);
    QVERIFY(torch::isfinite(api::tensor_view(bf16.parameters)).all().item<bool>());
    QVERIFY(!torch::equal(api::tensor_view(bf16.parameters), api::tensor_view(whole.parameters)));
  }
};

LORASTUDIO_GUILESS_TEST_MAIN(TestEngineApi)
#include "test_engine_api.moc"
