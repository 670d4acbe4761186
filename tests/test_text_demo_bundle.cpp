// The shipped text demo (models/demo/text-wordnet, written by `recipe run models/recipes/text-wordnet.json --install
// …`): it loads with today's code, holds the whole task suite with held-out tasks, stays a few MB, and reproduces
// its recorded check figures (generated adapters' test accuracy) within the tolerance it records; a bundle whose
// generator changed fails the same check. Also `generate --demo text-wordnet --text …` out of the box, for a suite
// task's description and for one the suite does not know. Needs nothing fetched: the bundle carries its word vectors.
// A bundle records the sampling its figures were measured with ("sampling" in demo.json; absent: DDIM, 25 steps,
// guidance 1): `generate --demo` samples so unless told otherwise, and the check samples with its own guidance (a
// check re-measured at another guidance — the wrong variant — differs). A held-out task's or an unknown
// description samples with the bundle's "unseen_guidance".
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

#include "core/formats/adapter_io.h"
#include "core/textworld/text_demo.h"
#include "core/wordnet/task_suite_file.h"
#include "core/util/file_tree.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"
#include "tests/support/text_demo_copy.h"

using namespace lorastudio;
using namespace lorastudio::textworld;
namespace fs = std::filesystem;

namespace {

std::string bundle_dir() { return test::project_path("models/demo/text-wordnet"); }

}  // namespace

class TestTextDemoBundle : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void loads_with_the_whole_suite() {
    const TextDemo demo = TextDemo::load(bundle_dir());
    QCOMPARE(demo.name, std::string("text-wordnet"));
    size_t held_out = 0;
    for (const auto& t : demo.suite.tasks) held_out += t.held_out;
    QVERIFY(demo.suite.tasks.size() >= 120);
    QVERIFY(held_out >= 20);
    const ConditionalGenerator g = demo.generator();
    QCOMPARE(g.tasks.size(), demo.suite.tasks.size() - held_out);
    QVERIFY(demo.evaluation.contains("in_distribution_mean") && demo.evaluation.contains("held_out_mean"));
    // The bundle stays small (10.9 MB: the base model, word vectors and principal components in float16), no file
    // of it over the repository's 4 MiB.
    QVERIFY2(tree_bytes(bundle_dir()) < 12 * 1024 * 1024, "the demo bundle should stay a few MB");
    for (const auto& f : fs::recursive_directory_iterator(bundle_dir()))
      if (f.is_regular_file()) QVERIFY2(f.file_size() < 4 * 1024 * 1024, f.path().c_str());
  }

  void reproduces_its_check() {
    const TextDemo demo = TextDemo::load(bundle_dir());
    QVERIFY(demo.check.figures.size() >= 4);
    const auto measured = measure_text_demo_check(demo, demo.check);
    const auto differences = text_demo_check_differences(demo.check, measured, demo.check.tolerance);
    QVERIFY2(differences.empty(), differences.empty() ? "" : differences.front().c_str());
  }

  // Deliberately wrong: the same bundle with its denoiser's weights scaled writes other adapters, and the check
  // catches it.
  void a_changed_generator_fails_the_check() {
    QTemporaryDir tmp;
    const std::string copy = tmp.filePath("demo").toStdString();
    fs::copy(bundle_dir(), copy, fs::copy_options::recursive);
    TextDemo demo = TextDemo::load(copy);
    ConditionalGenerator g = demo.generator();
    {
      torch::NoGradGuard no_grad;
      for (auto& p : g.denoiser->parameters()) p.mul_(1.5);
    }
    g.save(copy + "/generator");
    QVERIFY(!text_demo_check_differences(demo.check, measure_text_demo_check(demo, demo.check), demo.check.tolerance).empty());
  }

  void samples_as_its_figures_were_measured() {
    QTemporaryDir tmp;
    const std::string copy = tmp.filePath("demo").toStdString();
    fs::copy(bundle_dir(), copy, fs::copy_options::recursive);
    const TextDemo shipped = TextDemo::load(copy);
    nlohmann::json j = nlohmann::json::parse(std::ifstream(copy + "/demo.json"));
    const bool recorded = j.contains("sampling");
    if (!recorded) QCOMPARE(shipped.sampling.guidance, 1.0);  // made before the record: the defaults
    QCOMPARE(shipped.check.guidance, shipped.sampling.guidance);
    QCOMPARE(shipped.check.unseen_guidance, shipped.unseen_guidance);
    j["sampling"] = {{"sampler", "ddim"}, {"steps", 20}, {"guidance", 3.5}};
    std::ofstream(copy + "/demo.json") << j.dump(2);
    const TextDemo demo = TextDemo::load(copy);
    QCOMPARE(demo.sampling.guidance, 3.5);
    QCOMPARE(demo.sampling.steps, int64_t(20));
    const auto provenance = [&](const std::string& extra) {
      const std::string out = tmp.filePath(QString::fromStdString("gen" + std::to_string(extra.size()))).toStdString();
      const test::CliRun r = test::cli("generate --demo " + test::q(copy) + " --text " +
                                       test::q(demo.suite.tasks.front().descriptions.front()) + " -n 1 -o " + test::q(out) + extra);
      if (r.status != 0) qWarning("%s", r.output.c_str());
      return load_adapter(out + "/adapter_000").adapter.provenance;
    };
    auto p = provenance("");
    QCOMPARE(p.at("guidance"), std::string("3.5"));
    QCOMPARE(p.at("steps"), std::string("20"));
    p = provenance(" --guidance 1 --steps 25");  // the command line wins
    QCOMPARE(p.at("guidance"), std::string("1"));
    QCOMPARE(p.at("steps"), std::string("25"));
    // The check samples with its recorded guidance: measured at another one, its figures differ.
    TextDemoCheck other = shipped.check;
    other.guidance = shipped.check.guidance + 3;
    QVERIFY(!text_demo_check_differences(shipped.check, measure_text_demo_check(shipped, other), 0.0).empty());
    j["sampling"]["guidance"] = -1;
    std::ofstream(copy + "/demo.json") << j.dump(2);
    bool named = false;
    try {
      TextDemo::load(copy);
    } catch (const std::exception& e) {
      named = QString(e.what()).contains("demo.json") && QString(e.what()).contains("guidance");
    }
    QVERIFY(named);
  }

  // "unseen_guidance": a training task's description samples with the guidance, a held-out task's and an unknown
  // one with the unseen guidance, and --guidance wins over both. The check measures its held-out tasks with the
  // unseen guidance: re-measured with another one (the wrong variant), those figures differ and only those.
  void samples_new_descriptions_with_the_unseen_guidance_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("extra");
    QTest::addColumn<QString>("guidance");
    const TextDemo demo = TextDemo::load(bundle_dir());
    const auto first = [&](bool held_out) {
      for (const auto& t : demo.suite.tasks)
        if (t.held_out == held_out) return QString::fromStdString(t.descriptions.front());
      return QString();
    };
    QTest::newRow("training task") << first(false) << "" << "3.5";
    QTest::newRow("held-out task") << first(true) << "" << "1.5";
    QTest::newRow("unknown") << "Is this the definition of a musical instrument with strings?" << "" << "1.5";
    QTest::newRow("--guidance wins") << first(true) << " --guidance 2" << "2";
  }
  void samples_new_descriptions_with_the_unseen_guidance() {
    QFETCH(QString, text);
    QFETCH(QString, extra);
    QFETCH(QString, guidance);
    QTemporaryDir tmp;
    const std::string copy = test::copy_text_demo_with_sampling(tmp.path().toStdString(), test::test_text_sampling());
    const std::string out = tmp.filePath("gen").toStdString();
    const test::CliRun r = test::cli("generate --demo " + test::q(copy) + " --text " + test::q(text.toStdString()) +
                                     " -n 1 -o " + test::q(out) + extra.toStdString());
    QVERIFY2(r.status == 0, r.output.c_str());
    QCOMPARE(QString::fromStdString(load_adapter(out + "/adapter_000").adapter.provenance.at("guidance")), guidance);
  }

  void the_check_measures_held_out_tasks_with_the_unseen_guidance() {
    const TextDemo shipped = TextDemo::load(bundle_dir());
    TextDemoCheck other = shipped.check;
    other.unseen_guidance = shipped.check.unseen_guidance + 3;
    const auto differences = text_demo_check_differences(shipped.check, measure_text_demo_check(shipped, other), 0.0);
    QVERIFY(!differences.empty());
    for (const auto& line : differences) {
      const wordnet::WordNetTask* task = wordnet::find_task(shipped.suite, line.substr(0, line.find(" adapter ")));
      QVERIFY2(task && task->held_out, line.c_str());
    }
  }

  void generates_for_a_suite_task_and_for_an_unknown_one_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    const TextDemo demo = TextDemo::load(bundle_dir());
    QTest::newRow("suite task") << QString::fromStdString(demo.suite.tasks.front().descriptions.front())
                                << QString::fromStdString("task \"" + demo.suite.tasks.front().name + "\"");
    QTest::newRow("held-out task") << QString::fromStdString(demo.suite.tasks.back().descriptions.front())
                                   << "held out: the generator never saw it";
    QTest::newRow("unknown") << "Is this the definition of a musical instrument with strings?" << "matches no task of the suite";
  }
  void generates_for_a_suite_task_and_for_an_unknown_one() {
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const std::string out = tmp.filePath("gen").toStdString();
    const test::CliRun r = test::cli("generate --demo text-wordnet --text " + test::q(text.toStdString()) + " -n 3 -o " + test::q(out));
    QVERIFY2(r.status == 0, r.output.c_str());
    QVERIFY2(QString::fromStdString(r.output).contains(expected), r.output.c_str());
    QVERIFY2(QString::fromStdString(r.output).contains("P(yes)"), r.output.c_str());
    QVERIFY(fs::exists(out + "/adapter_002/adapter_model.safetensors"));
    std::ifstream in(out + "/report.json");
    const nlohmann::json report = nlohmann::json::parse(in);
    QVERIFY(report["text_demo"]["answers"].size() >= 4);
  }
};

LORASTUDIO_TEST_MAIN(TestTextDemoBundle)
#include "test_text_demo_bundle.moc"
