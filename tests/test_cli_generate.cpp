// The generation engine from the command line, end to end on a small image-conditioned zoo: adapters
// saved as PEFT directories, `zoo import` with --condition-image, `train`, then `generate --image` with the
// memorisation report, the trajectory file and best-of-N through an external evaluator command.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/io/safetensors_reader.h"
#include "core/math/lora_stats.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/cli_runner.h"

using namespace lorastudio;
using test::cli;
using test::q;

namespace {

constexpr int kCheckpoints = 12;
constexpr int kCount = 6;
constexpr int kSteps = 10;

// Task t's checkpoint i: a per-task random centre plus 5% noise (scalar statistics alike for both tasks,
// so only the condition can tell them apart).
LoraAdapter checkpoint(int task, int i) {
  LoraAdapter centre = test::random_adapter({{"blocks.0.attn.to_q", 16, 16, 2, 4}, {"blocks.0.attn.to_v", 16, 16, 2, 4}},
                                            1000 + static_cast<uint64_t>(task));
  torch::manual_seed(static_cast<uint64_t>(task * 100 + i));
  for (auto& m : centre.modules) {
    m.A = m.A + 0.05 * m.A.std() * torch::randn_like(m.A);
    m.B = m.B + 0.05 * m.B.std() * torch::randn_like(m.B);
  }
  return centre;
}

void write_ppm(const std::string& path, int r, int g, int b) {
  std::ofstream f(path, std::ios::binary);
  f << "P6\n16 16\n255\n";
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) f.put(char((x * r) / 16)).put(char(g)).put(char((y * b) / 16));
}

double total_delta_norm(const LoraAdapter& a) {
  double sq = 0;
  for (const auto& s : adapter_stats(a, 1)) sq += s.frobenius * s.frobenius;
  return std::sqrt(sq);
}

}  // namespace

class TestCliGenerate : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  std::string root_, zoo_, gen_, red_, blue_;

 private Q_SLOTS:
  void initTestCase() {
    root_ = tmp_.path().toStdString();
    zoo_ = root_ + "/zoo";
    gen_ = root_ + "/gen";
    red_ = root_ + "/red.ppm";
    blue_ = root_ + "/blue.ppm";
    write_ppm(red_, 255, 30, 0);
    write_ppm(blue_, 0, 90, 255);
    for (int task = 0; task < 2; ++task) {
      std::string dirs;
      for (int i = 0; i < kCheckpoints; ++i) {
        const std::string dir = root_ + "/task" + std::to_string(task) + "/step" + std::to_string(i);
        save_adapter(checkpoint(task, i), AdapterFormat::Peft, dir);
        dirs += " " + q(dir);
      }
      const std::string name = task == 0 ? "red" : "blue";
      const test::CliRun r = cli("zoo import" + dirs + " -o " + q(zoo_) + " --task " + name + " --condition-image " +
                                 q(task == 0 ? red_ : blue_));
      QVERIFY2(r.status == 0, r.output.c_str());
    }
    const std::string config = root_ + "/config.json";
    std::ofstream(config) << R"({
      "autoencoder": {"patch": 8, "channels": [32, 64], "latent_channels": 4, "latent_length": 4, "latent_noise": 0.05},
      "denoiser": {"kind": "unet", "channels": [32, 64], "emb_dim": 64},
      "condition": {"kind": "image", "dim": 32, "image_size": 16},
      "train": {"ae_steps": 400, "ae_batch": 24, "diffusion_steps": 1500, "batch": 24, "lr": 0.001, "cond_dropout": 0.0,
                "ema_decay": 0.99, "checkpoint_every": 400, "device": "cpu", "seed": 5}
    })";
    const test::CliRun r = cli("train --zoo " + q(zoo_) + " --config " + q(config) + " -o " + q(gen_));
    QVERIFY2(r.status == 0, r.output.c_str());
  }

  void image_condition_generates_its_task() {
    const std::string out = root_ + "/out_blue", traj = root_ + "/blue_trajectory.safetensors";
    const std::string evaluator = q(test::cli_path()) + " inspect {adapter} | awk '/total:/{print $3}'";
    const test::CliRun r = cli("generate --generator " + q(gen_) + " --image " + q(blue_) + " -n " + std::to_string(kCount) +
                               " --sampler ddim --steps " + std::to_string(kSteps) + " --seed 3 --zoo " + q(zoo_) +
                               " --trajectory " + q(traj) + " -o " + q(out) + " --evaluate " + q(evaluator));
    QVERIFY2(r.status == 0, r.output.c_str());
    std::ifstream in(out + "/report.json");
    const nlohmann::json report = nlohmann::json::parse(in);
    QCOMPARE(report["task"].get<std::string>(), std::string("blue"));  // recognised from the image's pixels
    QCOMPARE(report["adapters"].size(), size_t(kCount));

    // Memorisation report: every candidate, nearest checkpoints, the task's own spread.
    const nlohmann::json& mem = report.at("memorization");
    QCOMPARE(mem["candidates"].size(), size_t(kCount));
    QVERIFY(mem["scales"]["within_task"]["median"].get<double>() > 0);
    QCOMPARE(mem["copy_scale"].get<std::string>(), std::string("within-task spread"));
    qInfo("nearest own task %.0f%%, copies %d", 100 * mem["own_task_fraction"].get<double>(), mem["copies"].get<int>());
    QVERIFY2(mem["own_task_fraction"].get<double>() >= 5.0 / 6.0, mem.dump().c_str());  // the image steers
    for (const auto& c : mem["candidates"]) QVERIFY(c["nearest_own"].get<double>() >= c["nearest_any"].get<double>());

    // Best-of-N: the evaluator's score for each saved adapter (here its total ΔW norm), the best the largest.
    const nlohmann::json& best = report.at("best_of_n");
    QCOMPARE(best["scores"].size(), size_t(kCount));
    double top = -1;
    int top_index = -1;
    for (int i = 0; i < kCount; ++i) {
      const LoadedAdapter loaded = load_adapter(out + "/" + report["adapters"][i].get<std::string>());
      const double norm = total_delta_norm(loaded.adapter);
      const double score = best["scores"][i].get<double>();
      QVERIFY2(std::abs(score - norm) <= 1e-5 * norm, qPrintable(QString("%1 vs %2").arg(score).arg(norm)));
      if (norm > top) top = norm, top_index = i;
      QCOMPARE(loaded.adapter.modules.size(), size_t(2));
    }
    QCOMPARE(best["best"].get<int>(), top_index);
    QCOMPARE(best["best_adapter"].get<std::string>(), report["adapters"][top_index].get<std::string>());
    QVERIFY(r.output.find("best of 6: " + best["best_adapter"].get<std::string>()) != std::string::npos);

    // The trajectory: every step's latent and x0 prediction, timesteps descending.
    const SafetensorsReader st(traj);
    QCOMPARE(st.tensor("x_t").sizes(), (torch::IntArrayRef{kSteps, kCount, 4, 4}));
    QCOMPARE(st.tensor("x0_pred").sizes(), st.tensor("x_t").sizes());
    const torch::Tensor t = st.tensor("timesteps");
    QVERIFY(t[0].item<int64_t>() > t[kSteps - 1].item<int64_t>());
  }

  void the_other_image_generates_the_other_task() {
    const std::string out = root_ + "/out_red";
    const test::CliRun r = cli("generate --generator " + q(gen_) + " --image " + q(red_) + " -n 6 --sampler dpmpp --steps 10 --zoo " +
                               q(zoo_) + " -o " + q(out));
    QVERIFY2(r.status == 0, r.output.c_str());
    std::ifstream in(out + "/report.json");
    const nlohmann::json report = nlohmann::json::parse(in);
    QCOMPARE(report["task"].get<std::string>(), std::string("red"));
    QVERIFY2(report["memorization"]["own_task_fraction"].get<double>() >= 5.0 / 6.0, report["memorization"].dump().c_str());
    QVERIFY(!report.contains("best_of_n"));
  }

  void errors_are_clear_data() {
    QTest::addColumn<QString>("args");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("message");
    QTest::newRow("evaluator without {adapter}") << "--evaluate 'echo 1'" << 2 << "{adapter}";
    QTest::newRow("evaluator printing no number") << "--evaluate 'echo score: {adapter}'" << 1 << "not a number";
    QTest::newRow("evaluator failing") << "--evaluate 'exit 3 {adapter}'" << 1 << "exit status 3";
    QTest::newRow("lower-is-better alone") << "--lower-is-better" << 2 << "--evaluate";
    QTest::newRow("unreadable image") << "--image /nonexistent.ppm" << 1 << "/nonexistent.ppm";
  }
  void errors_are_clear() {
    QFETCH(QString, args);
    QFETCH(int, status);
    QFETCH(QString, message);
    const std::string image = args.contains("--image") ? "" : " --image " + q(blue_);
    const test::CliRun r = cli("generate --generator " + q(gen_) + image + " -n 2 --steps 3 -o " + q(root_ + "/err") + " " +
                               args.toStdString());
    QCOMPARE(r.status, status);
    QVERIFY2(QString::fromStdString(r.output).contains(message), r.output.c_str());
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestCliGenerate)
#include "test_cli_generate.moc"
