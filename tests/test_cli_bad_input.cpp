// Every command on bad input: a clear message that names the file, key or option and what is allowed, the
// right exit status (2 for usage, 1 for a bad file), and never a raw exception dump or stack trace. Bad inputs:
// adapters holding NaN, non-finite and out-of-range numbers, unknown devices, training configs out of range or
// of the wrong type, and generator bundles whose files disagree. Also: `generate -o` into an earlier run.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/formats/peft_format.h"
#include "core/generator/generator_trainer.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/cli_runner.h"
#include "core/zoo/synthetic_zoo.h"

using namespace lorastudio;
using test::cli;
using test::q;
namespace fs = std::filesystem;

namespace {

GeneratorConfig tiny_config() {
  GeneratorConfig c;
  c.autoencoder.patch = 8;
  c.autoencoder.channels = {8, 16};
  c.autoencoder.latent_length = 4;
  c.denoiser.channels = {8, 16};
  c.denoiser.emb_dim = 16;
  c.condition.dim = 16;
  c.train.ae_steps = 4;
  c.train.diffusion_steps = 4;
  c.train.batch = 8;
  c.train.ae_batch = 8;
  return c;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

void write_json(const std::string& path, const nlohmann::json& j) { std::ofstream(path) << j.dump(2); }

// What must never reach a user.
bool looks_like_a_dump(const std::string& output) {
  for (const char* marker : {"frame #", "Exception raised from", "terminate called", "what():", "json.exception",
                             "Aborted", "Segmentation fault", "c10::"})
    if (output.find(marker) != std::string::npos) return true;
  return false;
}

}  // namespace

class TestCliBadInput : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  std::string root_, good_, nan_, zoo_, gen_;

  // A copy of the generator bundle with generator.json changed by `edit`.
  std::string bundle_with(const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    const std::string dir = root_ + "/bundles/" + name;
    fs::create_directories(fs::path(dir).parent_path());
    fs::copy(gen_, dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    nlohmann::json j = read_json(dir + "/generator.json");
    edit(j);
    write_json(dir + "/generator.json", j);
    return dir;
  }

  std::string config_with(const std::string& name, const nlohmann::json& patch) {
    nlohmann::json j = tiny_config().to_json();
    j.merge_patch(patch);
    const std::string path = root_ + "/" + name + ".json";
    write_json(path, j);
    return path;
  }

 private Q_SLOTS:
  void initTestCase() {
    root_ = tmp_.path().toStdString();
    good_ = root_ + "/good";
    nan_ = root_ + "/nan";
    const LoraAdapter a = test::random_adapter({{"blocks.0.attn.to_q", 8, 8, 2, 4}, {"blocks.1.attn.to_v", 8, 8, 2, 4}}, 1);
    save_adapter(a, AdapterFormat::Peft, good_);
    LoraAdapter bad = a;
    bad.modules[1].B = bad.modules[1].B.clone();
    bad.modules[1].B[0][0] = std::numeric_limits<float>::quiet_NaN();
    write_peft_adapter(bad, nan_);  // the writer of the format itself: save_adapter refuses NaN
    zoo_ = root_ + "/zoo";
    gen_ = root_ + "/gen";
    SyntheticZooSpec spec;
    spec.tasks = 2;
    spec.checkpoints = 4;
    Zoo zoo = make_synthetic_zoo(zoo_, spec);
    QVERIFY(!train_generator(zoo, tiny_config(), gen_, false).cancelled);
    // A generator of another zoo (three tasks) lends its statistics to a bundle below.
    spec.tasks = 3;
    Zoo other = make_synthetic_zoo(root_ + "/zoo3", spec);
    QVERIFY(!train_generator(other, tiny_config(), root_ + "/gen3", false).cancelled);
  }

  void bad_input_gets_a_clear_error_data() {
    QTest::addColumn<QString>("args");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("message");
    const std::string good = q(good_), nan = q(nan_), gen = " --generator " + q(gen_) + " -o " + q(root_ + "/unused");
    const std::string text = " --text " + q(synthetic_task_text(0));
    auto row = [](const std::string& tag, const std::string& args, int status, const char* message) {
      QTest::newRow(tag.c_str()) << QString::fromStdString(args) << status << message;
    };
    row("inspect: NaN adapter", "inspect " + nan, 1, "NaN or Inf values in 1 module: blocks.1.attn.to_v");
    const std::string stylizer = "pretrain-stylizer -o " + q(root_ + "/stylizer.safetensors");
    row("pretrain-stylizer: no photos", stylizer + " --photos " + q(root_ + "/no-photos"), 1, "missing: no photo manifest");
    row("pretrain-stylizer: steps 0", stylizer + " --steps 0", 2, "--steps");
    row("pretrain-stylizer: odd patch", stylizer + " --patch 33", 2, "--patch: must be even");
    row("compare: NaN adapter", "compare " + good + " " + nan, 1, "NaN or Inf");
    row("convert: NaN adapter", "convert " + nan + " --to kohya -o " + q(root_ + "/k.safetensors"), 1, "NaN or Inf");
    row("zoo import: NaN adapter", "zoo import " + nan + " -o " + q(root_ + "/z2") + " --task t --condition-text x", 1, "NaN or Inf");
    row("interpolate: lambda nan", "interpolate " + good + " " + good + " --lambda nan -o " + q(root_ + "/i"), 2, "not a finite number");
    row("interpolate: lambda overflow", "interpolate " + good + " " + good + " --lambda 1e400 -o " + q(root_ + "/i"), 2, "--lambda");
    row("interpolate: no output", "interpolate " + good + " " + good, 2, "-o OUT is required");
    row("interpolate: preview without stylizer", "interpolate " + good + " " + good + " --preview " + q(root_ + "/p.ppm"), 2,
        "needs --stylizer");
    row("interpolate: preview with a non-stylizer", "interpolate " + good + " " + good + " --preview " + q(root_ + "/p.ppm") +
        " --stylizer " + q(good_ + "/adapter_model.safetensors"), 1, "not a stylizer weights file");
    row("zoo export: no such zoo", "zoo export " + q(root_ + "/nozoo") + " t -o " + q(root_ + "/e"), 1, "nozoo: no such directory");
    row("zoo synthetic: no tasks", "zoo synthetic -o " + q(root_ + "/syn0") + " --tasks 0", 2, "--tasks");
    row("zoo synthetic: rank above width", "zoo synthetic -o " + q(root_ + "/syn1") + " --width 4 --rank 5", 2, "--rank");
    row("zoo synthetic: into a zoo", "zoo synthetic -o " + q(zoo_), 1, "already holds a zoo");
    row("zoo export: no such task", "zoo export " + q(zoo_) + " nosuchtask -o " + q(root_ + "/e"), 2, "has no task \"nosuchtask\"");
    row("styles: unreadable reference", "styles --reference " + q(root_ + "/missing.png"), 1, "missing: no such image file");
    row("soup: infinite weight", "soup " + good + " " + good + " --weights 1,inf -o " + q(root_ + "/s"), 2, "not a finite weight");
    row("inspect: negative top-k", "inspect " + good + " --top-k -3", 2, "out of range");
    row("generate: guidance nan", "generate" + gen + text + " --guidance nan", 2, "--guidance");
    row("generate: guidance inf", "generate" + gen + text + " --guidance inf", 2, "not a finite number");
    row("generate: negative seed", "generate" + gen + text + " --seed -1", 2, "--seed: -1 is out of range");
    row("generate: seed overflow", "generate" + gen + text + " --seed 99999999999999999999", 2, "out of range");
    row("generate: zero adapters", "generate" + gen + text + " -n 0", 2, "-n: 0 is out of range");
    row("generate: device typo", "generate" + gen + text + " --device gpu", 2, "unknown device 'gpu'");
    row("generate: unknown sampler", "generate" + gen + text + " --sampler euler", 2, "not one of ddpm, ddim, dpmpp");
    row("generate: too many steps", "generate" + gen + text + " --steps 5000", 1, "steps must be 1 to 1000");
    row("generate: unknown task", "generate" + gen + text + " --task nosuch", 2, "no task \"nosuch\"");
    row("bench: device typo", "bench lora --device gpu", 2, "unknown device");
    row("bench embed: too few points", "bench embed --sizes 5 --no-peer", 2, "--sizes");
    row("bench embed: unknown method", "bench embed --method fast --no-peer", 2, "--method");
    row("bench embed: missing peer", "bench embed --sizes 100 --python /nonexistent/python3", 1, "scikit-learn peer");
    row("bench preview: unknown style", "bench preview --style-a nosuchstyle --updates 2", 1, "nosuchstyle");
    row("bench preview: one update", "bench preview --updates 1", 2, "--updates");
    row("bench preview: unknown demo", "bench preview --demo /nonexistent/demo", 1, "/nonexistent/demo");
    row("generate: both generator and demo", "generate" + gen + text + " --demo style-procedural", 2, "exactly one of --generator or --demo");
    row("generate: no such demo", "generate --demo nosuchdemo --image " + q(root_ + "/p.ppm") + " -o " + q(root_ + "/d"), 1,
        "nosuchdemo: no demo bundle of that name; looked for demo.json in");
    row("generate: preview without demo", "generate" + gen + text + " --preview leuven", 2, "--preview needs --demo and a style --image");
    const std::string recipe = q(test::project_path("tests/data/recipes/style-tiny.json"));
    row("pretrain-bert: no GLUE data", "pretrain-bert --data " + q(root_ + "/no-glue") + " --vocab " + q(root_ + "/v.txt") + " -o " +
        q(root_ + "/b"), 1, "no-glue/CoLA/train.tsv");
    row("pretrain-bert: heads not dividing", "pretrain-bert --data x --vocab y -o z --hidden 30 --heads 4", 2, "--heads");
    row("pretrain-bert: unknown device", "pretrain-bert --data x --vocab y -o z --device tpu", 2, "unknown device 'tpu'");
    row("harvest-glue: unknown task", "harvest-glue --model m --data d -o o --tasks SST-3", 1, "unknown GLUE task 'SST-3'");
    row("harvest-glue: no model", "harvest-glue --model " + q(root_ + "/no-model") + " --data d -o " + q(root_ + "/hg"), 1,
        "no-model");
    row("evaluate-glue: not a harvest", "evaluate-glue --harvest " + q(root_) + gen, 1, "harvest.json");
    row("recipe: no such file", "recipe run " + q(root_ + "/none.json"), 1, "none.json");
    row("recipe: unknown stage", "recipe run " + recipe + " --until stylise --cache " + q(root_ + "/rc"), 1,
        "unknown recipe stage \"stylise\" (stages: photos, stylizer");
    const std::string text_recipe = q(test::project_path("tests/data/recipes/text-tiny.json"));
    row("text recipe: unknown stage", "recipe run " + text_recipe + " --until zoos --cache " + q(root_ + "/tc"), 1,
        "unknown recipe stage \"zoos\" (stages: wordnet, vocabulary, base, tasks, zoo, generator, evaluation, bundle)");
    row("recipe: unknown verb", "recipe cook " + recipe, 2, "unknown recipe subcommand 'cook' (run, status)");
    row("recipe: no photos", "recipe run " + recipe + " --cache " + q(root_ + "/rc") + " --photos " + q(root_ + "/no-photos"), 1,
        "missing: no photo manifest");
    row("train: device typo", "train --zoo " + q(zoo_) + " --config " + q(root_ + "/none.json") + " -o " + q(root_ + "/t") + " --device gpu", 1,
        "none.json");
  }
  void bad_input_gets_a_clear_error() {
    QFETCH(QString, args);
    QFETCH(int, status);
    QFETCH(QString, message);
    const test::CliRun r = cli(args.toStdString());
    QVERIFY2(!looks_like_a_dump(r.output), r.output.c_str());
    QVERIFY2(QString::fromStdString(r.output).contains(message), r.output.c_str());
    QCOMPARE(r.status, status);
  }

  // Training configs: every value range-checked, types reported with the key's path.
  void training_config_errors_name_the_key_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("message");
    QTest::newRow("checkpoint_every 0") << "ce0" << R"({"train": {"checkpoint_every": 0}})" << "train.checkpoint_every: 0 is out of range (1 to";
    QTest::newRow("heads 0") << "heads0" << R"({"denoiser": {"kind": "transformer", "heads": 0}})" << "denoiser.heads: 0 is out of range";
    QTest::newRow("token_patch 0") << "tp0" << R"({"denoiser": {"kind": "transformer", "token_patch": 0}})" << "denoiser.token_patch: 0 is out of range";
    QTest::newRow("heads not dividing d_model") << "heads7" << R"({"denoiser": {"kind": "transformer", "heads": 7}})" << "does not divide d_model";
    QTest::newRow("lr of the wrong type") << "lrstr" << R"({"train": {"lr": "fast"}})" << "train.lr: expected a number, got a string";
    QTest::newRow("negative lr") << "lrneg" << R"({"train": {"lr": -1}})" << "train.lr: -1 is out of range";
    QTest::newRow("fractional steps") << "steps" << R"({"train": {"ae_steps": 2.5}})" << "train.ae_steps: expected an integer";
    QTest::newRow("unknown key") << "typo" << R"({"train": {"learning_rate": 0.1}})" << "train.learning_rate: unknown key";
    QTest::newRow("unknown device") << "dev" << R"({"train": {"device": "gpu"}})" << "train.device: \"gpu\" is not one of cpu, cuda";
    QTest::newRow("section of the wrong type") << "sect" << R"({"train": [1, 2]})" << "train: expected a JSON object, got an array";
    QTest::newRow("bad norm") << "norm" << R"({"autoencoder": {"norm": "layer"}})" << "autoencoder.norm: \"layer\" is not one of";
    QTest::newRow("beta_end below start") << "beta" << R"({"noise": {"beta_start": 0.1, "beta_end": 0.01}})" << "noise.beta_end";
  }
  void training_config_errors_name_the_key() {
    QFETCH(QString, name);
    QFETCH(QString, patch);
    QFETCH(QString, message);
    const std::string config = config_with(name.toStdString(), nlohmann::json::parse(patch.toStdString()));
    const test::CliRun r = cli("train --zoo " + q(zoo_) + " --config " + q(config) + " -o " + q(root_ + "/never"));
    QVERIFY2(!looks_like_a_dump(r.output), r.output.c_str());
    QCOMPARE(r.status, 1);
    QVERIFY2(QString::fromStdString(r.output).contains(message), r.output.c_str());
    QVERIFY2(QString::fromStdString(r.output).contains(QString::fromStdString(config)), "the message names the file");
  }

  // Generator bundles are cross-checked when loaded.
  void bundle_errors_are_caught_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("message");
    QTest::newRow("bad latent_scale") << "scale" << "latent_scale: -1 is out of range";
    QTest::newRow("duplicate task names") << "dup" << "is listed twice";
    QTest::newRow("empty task name") << "empty" << "tasks[0].name";
    QTest::newRow("image outside the bundle") << "outside" << "inside the generator directory";
    QTest::newRow("version of the wrong type") << "version" << "version: expected an integer, got a string";
    QTest::newRow("statistics of another zoo") << "stats" << "belong to another zoo";
    QTest::newRow("dim disagreeing with the layout") << "dim" << "disagrees with layout.json";
  }
  void bundle_errors_are_caught() {
    QFETCH(QString, name);
    QFETCH(QString, message);
    const std::string n = name.toStdString();
    const std::string dir = bundle_with(n, [&](nlohmann::json& j) {
      if (n == "scale") j["latent_scale"] = -1;
      if (n == "dup") j["tasks"][1]["name"] = j["tasks"][0]["name"];
      if (n == "empty") j["tasks"][0]["name"] = "";
      if (n == "outside") j["tasks"][0]["image_files"] = {"../../red.png"};
      if (n == "version") j["version"] = "1";
      if (n == "dim") j["dim"] = j["dim"].get<int64_t>() + 1;
    });
    if (n == "stats") fs::copy_file(root_ + "/gen3/normalization.safetensors", dir + "/normalization.safetensors",
                                    fs::copy_options::overwrite_existing);
    const test::CliRun r = cli("generate --generator " + q(dir) + " --text x -n 1 --steps 2 -o " + q(root_ + "/out_" + n));
    QVERIFY2(!looks_like_a_dump(r.output), r.output.c_str());
    QCOMPARE(r.status, 1);
    QVERIFY2(QString::fromStdString(r.output).contains(message), r.output.c_str());
    QVERIFY(!fs::exists(root_ + "/out_" + n + "/report.json"));
  }

  // -o into a directory of an earlier run: refused, or replaced whole with --replace, never mixed.
  void earlier_run_is_refused_or_replaced() {
    const std::string out = root_ + "/runs";
    const std::string base = "generate --generator " + q(gen_) + " --text " + q(synthetic_task_text(1)) + " --steps 3 -o " + q(out);
    test::CliRun r = cli(base + " -n 3");
    QVERIFY2(r.status == 0, r.output.c_str());
    QVERIFY(fs::exists(out + "/adapter_002"));
    r = cli(base + " -n 2");
    QCOMPARE(r.status, 2);
    QVERIFY2(r.output.find("--replace") != std::string::npos, r.output.c_str());
    QVERIFY(fs::exists(out + "/adapter_002"));  // untouched
    r = cli(base + " -n 2 --seed 9 --replace");
    QVERIFY2(r.status == 0, r.output.c_str());
    QVERIFY2(r.output.find("replaced 4 outputs") != std::string::npos, r.output.c_str());  // 3 adapters + report.json
    QVERIFY(fs::exists(out + "/adapter_001") && !fs::exists(out + "/adapter_002"));
    QCOMPARE(read_json(out + "/report.json")["count"].get<int>(), 2);
    int entries = 0;
    for (const auto& e : fs::directory_iterator(out)) entries += !e.path().filename().string().empty();
    QCOMPARE(entries, 3);  // two adapters and the report, no staging folder left
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestCliBadInput)
#include "test_cli_bad_input.moc"
