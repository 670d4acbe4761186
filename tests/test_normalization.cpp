// ParameterNormalizer: round trips in every mode, task vs global statistics against direct
// computation, incremental fitting, the epsilon floor, unseen tasks, and saving/loading.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/util/error.h"
#include "core/zoo/normalization.h"
#include "core/zoo/zoo.h"
#include "tests/support/adapter_testing.h"

using namespace lorastudio;

namespace {

constexpr int64_t kDim = 37;

// Three tasks of very different offsets and scales.
std::vector<std::pair<std::string, torch::Tensor>> three_tasks() {
  torch::manual_seed(42);
  return {{"sst2", torch::randn({6, kDim}) * 0.01 + 0.5},
          {"cola", torch::randn({4, kDim}) * 3.0 - 2.0},
          {"rte", torch::randn({5, kDim}) * 0.2}};
}

NormalizationOptions options(NormalizationMode mode, TaskStatistics stats = TaskStatistics::Scalar,
                             UnseenTaskPolicy unseen = UnseenTaskPolicy::Error) {
  NormalizationOptions o;
  o.mode = mode;
  o.task_statistics = stats;
  o.unseen_task = unseen;
  return o;
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

// Population standard deviation (over everything, or along dim 0).
torch::Tensor pop_std(const torch::Tensor& x) { return (x - x.mean()).pow(2).mean().sqrt(); }
torch::Tensor pop_std0(const torch::Tensor& x) { return (x - x.mean(0)).pow(2).mean(0).sqrt(); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no Error)";
}

}  // namespace

class TestNormalization : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void round_trips_data() {
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("stats");
    QTest::newRow("none") << int(NormalizationMode::None) << int(TaskStatistics::Scalar);
    QTest::newRow("task scalar") << int(NormalizationMode::Task) << int(TaskStatistics::Scalar);
    QTest::newRow("task per-coordinate") << int(NormalizationMode::Task) << int(TaskStatistics::PerCoordinate);
    QTest::newRow("global") << int(NormalizationMode::Global) << int(TaskStatistics::Scalar);
  }
  void round_trips() {
    QFETCH(int, mode);
    QFETCH(int, stats);
    ParameterNormalizer n(options(NormalizationMode(mode), TaskStatistics(stats)));
    const auto tasks = three_tasks();
    n.fit(tasks);
    QVERIFY(n.fitted());
    for (const auto& [task, x] : tasks) {
      const torch::Tensor z = n.encode(task, x);
      QVERIFY(z.sizes() == x.sizes());
      QVERIFY(max_abs(n.decode(task, z) - x) <= 1e-5 * std::max(1.0, max_abs(x)));
      // One row ([D]) and float64 work the same way.
      QVERIFY(torch::allclose(n.encode(task, x[0]), z[0], 1e-5, 1e-5));
      QCOMPARE(n.encode(task, x.to(torch::kDouble)).scalar_type(), torch::kDouble);
    }
  }

  void task_scalar_statistics_match_direct_computation() {
    ParameterNormalizer n(options(NormalizationMode::Task));
    const auto tasks = three_tasks();
    n.fit(tasks);
    QCOMPARE(n.tasks(), (std::vector<std::string>{"cola", "rte", "sst2"}));
    QCOMPARE(n.count("cola"), int64_t(4));
    QCOMPARE(n.dim(), kDim);
    for (const auto& [task, x] : tasks) {
      const torch::Tensor xd = x.to(torch::kDouble);
      QCOMPARE(n.mean(task).dim(), int64_t(0));
      QVERIFY(std::abs(n.mean(task).item<double>() - xd.mean().item<double>()) < 1e-6);
      QVERIFY(std::abs(n.stddev(task).item<double>() / pop_std(xd).item<double>() - 1) < 1e-5);
      // Each task comes out with mean 0 and std 1 over all its values: its own statistics.
      const torch::Tensor z = n.encode(task, x).to(torch::kDouble);
      QVERIFY(std::abs(z.mean().item<double>()) < 1e-4);
      QVERIFY(std::abs(pop_std(z).item<double>() - 1) < 1e-4);
    }
    QVERIFY(!torch::equal(n.mean("sst2"), n.mean("cola")));
  }

  void task_per_coordinate_statistics() {
    ParameterNormalizer n(options(NormalizationMode::Task, TaskStatistics::PerCoordinate));
    const auto tasks = three_tasks();
    n.fit(tasks);
    for (const auto& [task, x] : tasks) {
      QVERIFY(n.mean(task).sizes() == c10::IntArrayRef({kDim}));
      QVERIFY(torch::allclose(n.mean(task), x.mean(0), 1e-5, 1e-6));
      QVERIFY(torch::allclose(n.stddev(task), pop_std0(x).clamp_min(1e-6), 1e-4, 1e-7));
    }
  }

  void global_statistics_pool_every_task() {
    ParameterNormalizer n(options(NormalizationMode::Global));
    const auto tasks = three_tasks();
    n.fit(tasks);
    std::vector<torch::Tensor> all;
    for (const auto& [t, x] : tasks) all.push_back(x);
    const torch::Tensor cat = torch::cat(all).to(torch::kDouble);
    QVERIFY(torch::allclose(n.mean("sst2").to(torch::kDouble), cat.mean(0), 1e-5, 1e-6));
    QVERIFY(torch::allclose(n.stddev("sst2").to(torch::kDouble), pop_std0(cat), 1e-4, 1e-6));
    // The same statistics for every task, seen or not.
    QVERIFY(torch::equal(n.mean("cola"), n.mean("never-seen")));
    QVERIFY(n.can_normalize("never-seen"));
    const torch::Tensor z = torch::randn({2, kDim});
    QVERIFY(torch::allclose(n.decode("never-seen", z), n.decode("rte", z)));
  }

  void incremental_accumulation_equals_one_fit() {
    const auto tasks = three_tasks();
    for (auto mode : {NormalizationMode::Task, NormalizationMode::Global}) {
      ParameterNormalizer once(options(mode, TaskStatistics::PerCoordinate));
      once.fit(tasks);
      ParameterNormalizer batched(options(mode, TaskStatistics::PerCoordinate));
      for (const auto& [task, x] : tasks)
        for (int64_t i = 0; i < x.size(0); ++i) batched.accumulate(task, x[i]);
      QVERIFY(!batched.fitted());
      batched.finalize();
      for (const auto& [task, x] : tasks) {
        QVERIFY(torch::allclose(once.mean(task), batched.mean(task), 1e-6, 1e-7));
        QVERIFY(torch::allclose(once.stddev(task), batched.stddev(task), 1e-6, 1e-7));
      }
    }
  }

  void epsilon_floors_constant_coordinates() {
    NormalizationOptions o = options(NormalizationMode::Global);
    o.epsilon = 1e-4;
    ParameterNormalizer n(o);
    torch::Tensor x = torch::randn({5, kDim});
    x.select(1, 3).fill_(0.25);
    n.fit({{"t", x}});
    QCOMPARE(n.stddev("t")[3].item<float>(), 1e-4f);
    const torch::Tensor z = n.encode("t", x);
    QVERIFY(torch::isfinite(z).all().item<bool>());
    QCOMPARE(z.select(1, 3).abs().max().item<float>(), 0.0f);
    QVERIFY(torch::allclose(n.decode("t", z), x, 1e-5, 1e-6));
    // A task of one checkpoint: its per-coordinate std is 0 everywhere, floored; the scalar std is not.
    ParameterNormalizer per(options(NormalizationMode::Task, TaskStatistics::PerCoordinate));
    per.fit({{"single", x.narrow(0, 0, 1)}});
    QVERIFY(torch::allclose(per.stddev("single"), torch::full({kDim}, 1e-6f)));
    ParameterNormalizer scalar(options(NormalizationMode::Task));
    scalar.fit({{"single", x.narrow(0, 0, 1)}});
    QVERIFY(scalar.stddev("single").item<double>() > 0.1);
  }

  void unseen_task_in_task_mode_is_an_error() {
    ParameterNormalizer n(options(NormalizationMode::Task));
    n.fit(three_tasks());
    QVERIFY(!n.can_normalize("mrpc"));
    const std::string message = error_of([&] { n.decode("mrpc", torch::zeros({kDim})); });
    QVERIFY2(message.find("no statistics for task 'mrpc'") != std::string::npos, message.c_str());
    QVERIFY2(message.find("cola, rte, sst2") != std::string::npos, message.c_str());
    QVERIFY_EXCEPTION_THROWN(n.encode("mrpc", torch::zeros({kDim})), Error);
  }

  void unseen_task_with_pooled_fallback() {
    const auto tasks = three_tasks();
    for (auto stats : {TaskStatistics::Scalar, TaskStatistics::PerCoordinate}) {
      ParameterNormalizer n(options(NormalizationMode::Task, stats, UnseenTaskPolicy::Pooled));
      n.fit(tasks);
      QVERIFY(n.can_normalize("mrpc"));
      std::vector<torch::Tensor> all;
      for (const auto& [t, x] : tasks) all.push_back(x);
      const torch::Tensor cat = torch::cat(all).to(torch::kDouble);
      if (stats == TaskStatistics::Scalar) {
        QVERIFY(std::abs(n.mean("mrpc").item<double>() - cat.mean().item<double>()) < 1e-6);
        QVERIFY(std::abs(n.stddev("mrpc").item<double>() / pop_std(cat).item<double>() - 1) < 1e-5);
      } else {
        QVERIFY(torch::allclose(n.mean("mrpc").to(torch::kDouble), cat.mean(0), 1e-5, 1e-6));
      }
      const torch::Tensor z = torch::randn({3, kDim});
      QVERIFY(torch::allclose(n.encode("mrpc", n.decode("mrpc", z)), z, 1e-4, 1e-4));
      // Known tasks keep their own statistics.
      QVERIFY(!torch::allclose(n.mean("sst2"), n.mean("mrpc")));
    }
  }

  void misuse_is_a_clear_error() {
    ParameterNormalizer n(options(NormalizationMode::Task));
    QVERIFY(error_of([&] { n.encode("sst2", torch::zeros({kDim})); }).find("not fitted") != std::string::npos);
    QVERIFY(error_of([&] { n.finalize(); }).find("nothing to fit") != std::string::npos);
    n.fit(three_tasks());
    QVERIFY(error_of([&] { n.encode("sst2", torch::zeros({kDim + 1})); }).find("[" + std::to_string(kDim) + "]") !=
            std::string::npos);
    QVERIFY(error_of([&] { n.accumulate("sst2", torch::zeros({2, kDim + 1})); }).find("earlier checkpoints had D") !=
            std::string::npos);
    QVERIFY_EXCEPTION_THROWN(n.accumulate("x", torch::full({kDim}, std::nanf(""))), Error);
    QCOMPARE(parse_normalization_mode("global"), NormalizationMode::Global);
    QVERIFY_EXCEPTION_THROWN(parse_normalization_mode("batch"), Error);
  }

  void save_and_load_data() {
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("stats");
    QTest::addColumn<bool>("json");
    for (bool json : {false, true}) {
      const std::string suffix = json ? " json" : " safetensors";
      QTest::newRow(("none" + suffix).c_str()) << int(NormalizationMode::None) << 0 << json;
      QTest::newRow(("task scalar" + suffix).c_str()) << int(NormalizationMode::Task) << 0 << json;
      QTest::newRow(("task per-coordinate" + suffix).c_str()) << int(NormalizationMode::Task) << 1 << json;
      QTest::newRow(("global" + suffix).c_str()) << int(NormalizationMode::Global) << 0 << json;
    }
  }
  void save_and_load() {
    QFETCH(int, mode);
    QFETCH(int, stats);
    QFETCH(bool, json);
    QTemporaryDir tmp;
    ParameterNormalizer n(options(NormalizationMode(mode), TaskStatistics(stats), UnseenTaskPolicy::Pooled));
    const auto tasks = three_tasks();
    n.fit(tasks);
    const std::string path = tmp.filePath("normalizer.safetensors").toStdString();
    ParameterNormalizer back = [&] {
      if (json) return ParameterNormalizer::from_json(nlohmann::json::parse(n.to_json().dump()), "normalizer.json");
      n.save(path);
      return ParameterNormalizer::load(path);
    }();
    QCOMPARE(back.options().mode, n.options().mode);
    QCOMPARE(back.options().task_statistics, n.options().task_statistics);
    QCOMPARE(back.options().unseen_task, UnseenTaskPolicy::Pooled);
    QCOMPARE(back.tasks(), n.tasks());
    QCOMPARE(back.count("rte"), int64_t(5));
    for (const auto& [task, x] : tasks) QVERIFY(torch::allclose(back.encode(task, x), n.encode(task, x), 1e-6, 1e-6));
    const torch::Tensor z = torch::randn({2, kDim});
    QVERIFY(torch::allclose(back.decode("unseen", z), n.decode("unseen", z), 1e-6, 1e-6));
    QVERIFY_EXCEPTION_THROWN(back.accumulate("sst2", tasks[0].second), Error);
  }

  void load_rejects_other_files() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("not_a_normalizer.safetensors").toStdString();
    ParameterNormalizer n(options(NormalizationMode::Global));
    n.fit(three_tasks());
    n.save(path);
    // Drop the statistics a global normalizer needs: the file is named in the error.
    nlohmann::json j = n.to_json();
    j["statistics"]["global"].erase("std");
    try {
      ParameterNormalizer::from_json(j, path);
      QFAIL("expected a FileError");
    } catch (const FileError& e) {
      QCOMPARE(e.path(), path);
    }
    j = n.to_json();
    j["dim"] = kDim + 2;
    QVERIFY_EXCEPTION_THROWN(ParameterNormalizer::from_json(j, path), FileError);
    try {
      ParameterNormalizer::load(tmp.filePath("missing.safetensors").toStdString());
      QFAIL("expected a FileError");
    } catch (const FileError& e) {
      QVERIFY(QString::fromStdString(e.path()).endsWith("missing.safetensors"));
    }
  }

  void fits_a_zoo() {
    QTemporaryDir tmp;
    const std::vector<test::ModuleSpec> specs{{"a", 6, 5, 2, 4}, {"b", 4, 6, 1, 1}};
    Zoo zoo = Zoo::create(tmp.filePath("zoo").toStdString());
    for (int t = 0; t < 3; ++t) {
      std::vector<ZooCheckpoint> checkpoints;
      for (int i = 0; i < 2 + t; ++i) checkpoints.push_back({test::random_adapter(specs, 100 * t + i), "", {}});
      zoo.add_task("task" + std::to_string(t), TaskCondition::from_text("task " + std::to_string(t)), checkpoints);
    }
    ParameterNormalizer n;
    n.fit(zoo);
    QCOMPARE(n.tasks().size(), size_t(3));
    QCOMPARE(n.count("task2"), int64_t(4));
    QCOMPARE(n.dim(), zoo.dim());
    const torch::Tensor x = zoo.task_params("task1");
    QVERIFY(std::abs(n.encode("task1", x).mean().item<double>()) < 1e-5);
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestNormalization)
#include "test_normalization.moc"
