// Studio project files (core/studio/studio_project.h): a project round-trips exactly (generations, their step
// latents and parameters, the view state); a file that is no project, from a newer version, or with tensors
// that disagree with its counts is refused with an error naming the file; an inconsistent project is not
// written, and the file already there is kept.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <fstream>

#include <torch/torch.h>

#include "core/io/safetensors_writer.h"
#include "core/studio/studio_project.h"
#include "core/util/error.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

namespace {

StudioProject sample_project() {
  StudioProject p;
  p.demo = "/somewhere/demo";
  for (int g = 0; g < 2; ++g) {
    ProjectGeneration gen;
    gen.style = g == 0 ? "sepia" : "my photo";
    gen.condition = "/images/" + gen.style + ".png";
    gen.samples = 3 + g;
    gen.steps = 5;
    gen.sampler = "ddim";
    gen.seed = 7 + g;
    gen.guidance = 1.5;
    gen.step_latents = torch::randn({gen.steps, gen.samples, 16});
    gen.parameters = torch::randn({gen.samples, 40});
    p.generations.push_back(gen);
  }
  ProjectGeneration text = p.generations.front();  // a typed description: no image, its text and examples
  text.style = "yours 1";
  text.condition = "";
  text.text = "Is this review positive?";
  text.examples = {"Great. -> positive"};
  p.generations.push_back(text);
  ProjectWalk walk;
  walk.from = "sepia";
  walk.to = "emboss";
  walk.weights = {0, 0.5, 1};
  walk.latents = torch::randn({3, 16});
  walk.interpolation_latents = torch::randn({3, 16});
  walk.parameters = torch::randn({3, 40});
  walk.largest_step = 0.8;
  walk.interpolation_largest_step = 0.5;
  p.walks.push_back(walk);
  p.view = {{"projection", "pca"}, {"hidden_layers", {1}}, {"interpolation", {{"a", 0}, {"b", 6}, {"lambda", 1.1}}}};
  return p;
}

}  // namespace

class TestStudioProject : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void round_trips() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.lsproject").toStdString();
    const StudioProject p = sample_project();
    save_studio_project(p, path);
    const StudioProject q = load_studio_project(path);
    QCOMPARE(q.demo, p.demo);
    QCOMPARE(q.generations.size(), p.generations.size());
    for (size_t i = 0; i < p.generations.size(); ++i) {
      const auto &a = p.generations[i], &b = q.generations[i];
      QCOMPARE(b.style, a.style);
      QCOMPARE(b.condition, a.condition);
      QCOMPARE(b.text, a.text);
      QCOMPARE(b.examples, a.examples);
      QCOMPARE(b.samples, a.samples);
      QCOMPARE(b.steps, a.steps);
      QCOMPARE(b.seed, a.seed);
      QCOMPARE(b.guidance, a.guidance);
      QVERIFY(torch::equal(b.step_latents, a.step_latents));
      QVERIFY(torch::equal(b.parameters, a.parameters));
    }
    QCOMPARE(q.walks.size(), size_t(1));
    QCOMPARE(q.walks[0].to, std::string("emboss"));
    QCOMPARE(q.walks[0].weights, p.walks[0].weights);
    QCOMPARE(q.walks[0].largest_step, 0.8);
    QVERIFY(torch::equal(q.walks[0].latents, p.walks[0].latents));
    QVERIFY(torch::equal(q.walks[0].interpolation_latents, p.walks[0].interpolation_latents));
    QVERIFY(torch::equal(q.walks[0].parameters, p.walks[0].parameters));
    QCOMPARE(q.view, p.view);
  }

  void bad_files_are_refused_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("not safetensors") << "text" << "";
    QTest::newRow("another safetensors") << "other" << "not a LoRA Studio project";
    QTest::newRow("newer version") << "newer" << "newer LoRA Studio";
    QTest::newRow("counts disagree") << "counts" << "step latents must be";
  }
  void bad_files_are_refused() {
    QFETCH(QString, kind);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.lsproject").toStdString();
    const auto t = torch::zeros({2, 2});
    if (kind == "text") std::ofstream(path) << "hello";
    if (kind == "other") write_safetensors(path, {{"x", t}}, {{"format", "something else"}});
    if (kind == "newer") write_safetensors(path, {{"x", t}}, {{"format", kStudioProjectFormat}, {"version", "99"}, {"project", "{}"}});
    if (kind == "counts") {
      StudioProject p = sample_project();
      save_studio_project(p, path);
      // Rewrite with a generation claiming more steps than its latents hold.
      p.generations[0].steps = 9;
      nlohmann::json body = {{"demo", p.demo}, {"generations", nlohmann::json::array()}, {"view", p.view}};
      for (const auto& g : p.generations)
        body["generations"].push_back({{"style", g.style}, {"condition", g.condition}, {"samples", g.samples}, {"steps", g.steps},
                                       {"sampler", g.sampler}, {"seed", g.seed}, {"guidance", g.guidance}});
      std::vector<NamedTensor> tensors;
      for (size_t i = 0; i < p.generations.size(); ++i) {
        tensors.push_back({"generation_" + std::to_string(i) + ".step_latents", p.generations[i].step_latents});
        tensors.push_back({"generation_" + std::to_string(i) + ".parameters", p.generations[i].parameters});
      }
      write_safetensors(path, tensors, {{"format", kStudioProjectFormat}, {"version", "1"}, {"project", body.dump()}});
    }
    try {
      load_studio_project(path);
      QFAIL("a bad project was read");
    } catch (const FileError& e) {
      const std::string what = e.what();
      QVERIFY2(what.find(path) != std::string::npos, e.what());
      QVERIFY2(what.find(message.toStdString()) != std::string::npos, e.what());
    }
  }

  void inconsistent_projects_are_not_written() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.lsproject").toStdString();
    save_studio_project(sample_project(), path);
    StudioProject bad = sample_project();
    bad.generations[1].parameters = torch::zeros({1, 40});  // 4 samples claimed
    QVERIFY_THROWS_EXCEPTION(Error, save_studio_project(bad, path));
    QCOMPARE(load_studio_project(path).generations[1].parameters.size(0), int64_t(4));  // the old file stays
  }
};

LORASTUDIO_TEST_MAIN(TestStudioProject)
#include "test_studio_project.moc"
