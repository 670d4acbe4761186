// The memorisation report: its verdicts on real adapters (Cond P-Diff's released PixArt generator, one original
// adapter per style), its reference scales, and checks that must reject what they claim to catch.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/generator/held_out_report.h"
#include "core/generator/memorization_report.h"
#include "core/zoo/delta_space.h"
#include "core/zoo/zoo.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;

namespace {

LoraAdapter small_adapter(uint64_t seed) {
  return test::random_adapter({{"blocks.0.attn.to_q", 12, 10, 2, 4.0}, {"blocks.1.attn.to_v", 8, 12, 3, 3.0}}, seed);
}

// A zoo of `tasks` tasks with `per_task` checkpoints each, spread `spread` around random centres.
Zoo make_zoo(const std::string& dir, int tasks, int per_task, double spread, uint64_t seed) {
  const ZooLayout layout = ZooLayout::from_adapter(small_adapter(seed));
  Zoo zoo = Zoo::create(dir);
  torch::manual_seed(seed);
  for (int k = 0; k < tasks; ++k) {
    FlatCheckpoints rows;
    rows.params = torch::randn({1, layout.dim()}) + spread * torch::randn({per_task, layout.dim()});
    zoo.add_task("task" + std::to_string(k), TaskCondition::from_text("task " + std::to_string(k)), rows, layout);
  }
  return zoo;
}

}  // namespace

class TestMemorizationReport : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Cond P-Diff's GenLoRA against its OriginLoRA (one original per style): the adapters for styles 1, 2 and 3
  // all lie within about 1% (ΔW) of the original of style 1, and style 0's next to the original of style 2.
  void flags_cond_pdiff_generated_adapters() {
    const std::string root = test::data_path("condpdiff-pixart-loras");
    LS_REQUIRE_FILE(root + "/OriginLoRA/class00/adapter_model.safetensors");
    QTemporaryDir tmp;
    Zoo zoo = Zoo::create(tmp.path().toStdString() + "/zoo");
    std::vector<std::string> classes;
    for (int c = 0; c < 4; ++c) {
      const std::string name = "class0" + std::to_string(c);
      LS_REQUIRE_FILE(root + "/GenLoRA/" + name + "/adapter_model.safetensors");
      const LoadedAdapter orig = load_adapter(root + "/OriginLoRA/" + name);
      const ZooLayout layout = zoo.tasks().empty() ? ZooLayout::from_adapter(orig.adapter) : zoo.layout();
      FlatCheckpoints rows;
      rows.params = layout.flatten(orig.adapter).unsqueeze(0);
      zoo.add_task(name, TaskCondition::from_text("style " + name), rows, layout);
      classes.push_back(name);
    }
    const std::map<std::string, std::string> expected_nearest = {
        {"class00", "class02"}, {"class01", "class01"}, {"class02", "class01"}, {"class03", "class01"}};
    for (const auto& name : classes) {
      const torch::Tensor g = zoo.layout().flatten(load_adapter(root + "/GenLoRA/" + name).adapter).unsqueeze(0);
      const MemorizationReport r = memorization_report(zoo, name, g, false);
      const CandidateMemorization& c = r.candidates[0];
      qInfo("GenLoRA/%s: %s", name.c_str(), c.verdict.c_str());
      QCOMPARE(r.copy_scale, CopyScale::NoiseBaseline);  // one checkpoint per task: no within-task spread
      QCOMPARE(c.nearest_task, expected_nearest.at(name));
      QVERIFY2(c.is_copy, c.verdict.c_str());
      QVERIFY2(c.relative_distance < 0.015, qPrintable(QString::number(c.relative_distance)));
      QVERIFY(c.noise_level > 0 && c.noise_level <= 0.03);
      QVERIFY(c.relative_to_between < 0.05);  // far closer to one original than the originals are to each other
      QVERIFY(QString::fromStdString(c.verdict).contains("noise baseline"));
      // The originals of different styles are far apart on this scale: a 10% noisy copy is far closer.
      QVERIFY(r.scales.between_task > 10 * r.scales.noise.back().distance);
    }
  }

  // ΔW is what an adapter does: a gauge transform of the factors (B·G, G⁻¹·A) is the same adapter, far away
  // as a parameter vector.
  void delta_space_sees_through_the_gauge() {
    const LoraAdapter a = small_adapter(3);
    LoraAdapter b = a;
    for (auto& m : b.modules) {
      const torch::Tensor gauge = torch::eye(m.rank()) * 3.0 + 0.5 * torch::ones({m.rank(), m.rank()});
      m.B = m.B.mm(gauge);
      m.A = torch::inverse(gauge).mm(m.A);
    }
    const ZooLayout layout = ZooLayout::from_adapter(a);
    const torch::Tensor x = layout.flatten(a).unsqueeze(0), y = layout.flatten(b).unsqueeze(0);
    const double flat = (x - y).norm().item<double>();
    const double delta = delta_distances(layout, x, y).item<double>();
    const double norm = delta_norms(layout, x).item<double>();
    QVERIFY2(delta < 1e-5 * norm, qPrintable(QString::number(delta)));
    QVERIFY(flat > 0.5 * x.norm().item<double>());
    // And the Gram products agree with ΔW formed explicitly.
    const LoraAdapter c = small_adapter(4);
    const torch::Tensor z = layout.flatten(c).unsqueeze(0);
    double explicit_sq = 0;
    for (size_t i = 0; i < a.modules.size(); ++i) {
      const torch::Tensor d = test::reference_delta(a, a.modules[i], torch::kDouble) - test::reference_delta(c, c.modules[i], torch::kDouble);
      explicit_sq += d.square().sum().item<double>();
    }
    QVERIFY(std::abs(delta_distances(layout, x, z).item<double>() - std::sqrt(explicit_sq)) < 1e-9 * std::sqrt(explicit_sq));
  }

  // With several checkpoints per task the verdict rests on the within-task spread: exact copies and small
  // jitter are copies, fresh samples of the task's distribution are not, and the batch measures say so.
  void within_task_spread_rejects_copies_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("copies");
    QTest::newRow("fresh samples") << "fresh" << false;
    QTest::newRow("exact copies") << "exact" << true;
    QTest::newRow("copies with 10% jitter") << "jitter" << true;
  }
  void within_task_spread_rejects_copies() {
    QFETCH(QString, kind);
    QFETCH(bool, copies);
    QTemporaryDir tmp;
    const Zoo zoo = make_zoo(tmp.path().toStdString() + "/zoo", 3, 24, 0.2, 9);
    const torch::Tensor own = zoo.task_params("task1");
    const torch::Tensor centre = own.mean(0, true);
    torch::manual_seed(5);
    torch::Tensor g;
    if (kind == "fresh") g = centre + 0.2 * torch::randn({16, own.size(1)});
    if (kind == "exact") g = own.narrow(0, 0, 16).clone();
    if (kind == "jitter") g = own.narrow(0, 0, 16) + 0.1 * 0.2 * torch::randn({16, own.size(1)});
    for (ReportSpace space : {ReportSpace::Flat, ReportSpace::DeltaW}) {
      const MemorizationReport r = memorization_report(zoo, "task1", g, true, space);
      qInfo("%s (%s): copies %lld, memorisation ratio %.2f, diversity %.2f, coverage %.2f", qPrintable(kind),
            report_space_name(space), static_cast<long long>(r.copies), r.memorization_ratio, r.diversity.ratio, r.diversity.coverage);
      QCOMPARE(r.copy_scale, CopyScale::WithinTaskSpread);
      QCOMPARE(r.own_task_fraction, 1.0);
      if (copies) {
        QVERIFY(r.copies >= 15);
        QVERIFY(r.memorization_ratio < 0.3);
      } else {
        QCOMPARE(r.copies, int64_t(0));
        QVERIFY(r.memorization_ratio > 0.8);
        QVERIFY(r.diversity.ratio > 0.8 && r.diversity.ratio < 1.25);
      }
    }
  }

  void collapse_shows_in_diversity() {
    QTemporaryDir tmp;
    const Zoo zoo = make_zoo(tmp.path().toStdString() + "/zoo", 2, 24, 0.2, 11);
    const torch::Tensor mean = zoo.task_params("task0").mean(0, true);
    const MemorizationReport r = memorization_report(zoo, "task0", mean.expand({10, mean.size(1)}).clone(), false, ReportSpace::Flat);
    // (Coverage cannot see this: in many isotropic dimensions the mean lies inside every checkpoint's k-NN ball.)
    QVERIFY(r.diversity.ratio < 0.01);
  }

  void report_json_names_its_scales() {
    QTemporaryDir tmp;
    const Zoo zoo = make_zoo(tmp.path().toStdString() + "/zoo", 2, 1, 0.0, 12);
    const nlohmann::json j = to_json(memorization_report(zoo, "task0", zoo.task_params("task0"), false));
    QCOMPARE(j["copy_scale"].get<std::string>(), std::string("noise baseline"));
    QCOMPARE(j["space"].get<std::string>(), std::string("delta_w"));
    QCOMPARE(j["scales"]["noise_baselines"].size(), size_t(4));
    QVERIFY(j["candidates"][0]["is_copy"].get<bool>());  // a checkpoint is a copy of itself
    QVERIFY(j["scales"]["between_task"].get<double>() > 0);
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestMemorizationReport)
#include "test_memorization_report.moc"
