// The zoo on disk: create, add tasks, incremental adds, reopen, validation of every file (FileError
// naming it), atomicity of failed or cancelled adds, imports from directories, the real Cond P-Diff
// PixArt LoRAs, and the `zoo` CLI command.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/formats/adapter_io.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "core/zoo/zoo.h"
#include "core/zoo/zoo_import.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
namespace fs = std::filesystem;

namespace {

const std::vector<test::ModuleSpec> kSpecs{
    {"blocks.0.attn.to_q", 8, 6, 2, 4}, {"blocks.0.attn.to_k", 8, 6, 2, 4}, {"blocks.1.proj", 5, 8, 1, 1}};

std::vector<ZooCheckpoint> checkpoints(int n, uint64_t seed, const std::string& metric = "fid") {
  std::vector<ZooCheckpoint> out;
  for (int i = 0; i < n; ++i) {
    ZooCheckpoint c{test::random_adapter(kSpecs, seed + i), "/loras/seed" + std::to_string(seed + i), {}};
    if (!metric.empty()) c.metrics[metric] = 20.0 + i;
    out.push_back(std::move(c));
  }
  return out;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_bytes(path)); }
void write_json(const std::string& path, const nlohmann::json& j) { write_bytes(path, j.dump(2)); }

// Files left behind under `dir` by an interrupted atomic write.
int temp_files(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) ++n;
  return n;
}

// Runs f, expecting a FileError whose path ends with `path_suffix` and whose message holds `text`.
template <typename F>
void expect_file_error(F&& f, const std::string& path_suffix, const std::string& text) {
  try {
    f();
  } catch (const FileError& e) {
    const std::string what = e.what();
    QVERIFY2(QString::fromStdString(e.path()).endsWith(QString::fromStdString(path_suffix)), what.c_str());
    QVERIFY2(what.find(text) != std::string::npos, what.c_str());
    return;
  }
  QFAIL(("expected a FileError naming " + path_suffix).c_str());
}

// A zoo with task "a" (3 checkpoints, metric fid, a condition image) and task "b" (2 checkpoints).
std::string make_two_task_zoo(const QTemporaryDir& tmp) {
  const std::string image = tmp.filePath("starry night.jpg").toStdString();
  write_bytes(image, "not really a jpeg");
  const std::string dir = tmp.filePath("zoo").toStdString();
  Zoo zoo = Zoo::create(dir);
  zoo.add_task("a", TaskCondition::from_images({image}), checkpoints(3, 1));
  zoo.add_task("b", TaskCondition::from_text("watercolour", {"a boat", "a tree"}), checkpoints(2, 10, ""));
  return dir;
}

struct Cli {
  int status;
  std::string output;
};
Cli cli(const std::string& args) {
  Cli r;
  r.status = test::run_command("'" + test::cli_path() + "' " + args, &r.output);
  return r;
}
std::string q(const std::string& s) { return "'" + s + "'"; }

}  // namespace

class TestZooStore : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void create_add_and_reopen() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("zoo").toStdString();
    Zoo zoo = Zoo::create(dir);
    QVERIFY(Zoo::exists(dir));
    QVERIFY(!zoo.has_layout());
    QVERIFY(zoo.tasks().empty());
    auto cps = checkpoints(3, 1);
    cps[1].metrics["clip"] = 0.3;
    zoo.add_task("style-a", TaskCondition::from_text("oil painting", {"ex 1", "ex 2"}), cps);
    QCOMPARE(zoo.count("style-a"), int64_t(3));

    const Zoo back = Zoo::open(dir);
    QVERIFY(back.warnings().empty());
    QCOMPARE(back.tasks(), std::vector<std::string>{"style-a"});
    QCOMPARE(back.dim(), test::random_adapter(kSpecs, 0).parameter_count());
    QCOMPARE(back.condition("style-a").text, std::string("oil painting"));
    QCOMPARE(back.condition("style-a").examples, (std::vector<std::string>{"ex 1", "ex 2"}));
    QCOMPARE(back.task("style-a").sources[2], std::string("/loras/seed3"));
    QCOMPARE(back.task("style-a").metric_names, (std::vector<std::string>{"fid", "clip"}));
    const torch::Tensor m = back.task_metrics("style-a");
    QCOMPARE(m[0][0].item<float>(), 20.0f);
    QVERIFY(std::isnan(m[0][1].item<float>()));
    QCOMPARE(m[1][1].item<float>(), 0.3f);
    const torch::Tensor p = back.task_params("style-a");
    QVERIFY(p.sizes() == c10::IntArrayRef({3, back.dim()}));
    for (int i = 0; i < 3; ++i) {
      QVERIFY(torch::equal(p[i], back.layout().flatten(cps[i].adapter)));
      QCOMPARE(test::max_delta_difference(back.layout().unflatten(p[i]), cps[i].adapter), 0.0);
    }
    const nlohmann::json manifest = read_json(dir + "/zoo.json");
    QCOMPARE(manifest["version"].get<int>(), 1);
    QCOMPARE(manifest["tasks"][0]["file"].get<std::string>(), std::string("tasks/style-a.safetensors"));
    QCOMPARE(manifest["layout_summary"]["modules"].get<int>(), 3);
    QVERIFY(fs::exists(dir + "/layout.json"));
    QCOMPARE(back.summary()["checkpoint_count"].get<int>(), 3);
    const TaskParameterStats s = back.parameter_stats("style-a");
    QCOMPARE(s.count, int64_t(3));
    QVERIFY(std::abs(s.mean - p.to(torch::kDouble).mean().item<double>()) < 1e-9);
    QVERIFY(std::abs(s.std - (p.to(torch::kDouble) - p.to(torch::kDouble).mean()).pow(2).mean().sqrt().item<double>()) < 1e-9);
    QCOMPARE(s.max, p.max().item<double>());
  }

  void create_refuses_existing_content() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("zoo").toStdString();
    Zoo::create(dir);
    expect_file_error([&] { Zoo::create(dir); }, "zoo", "already holds a zoo");
    write_bytes(tmp.filePath("other.txt").toStdString(), "x");
    expect_file_error([&] { Zoo::create(tmp.path().toStdString()); }, tmp.path().toStdString(), "is not empty");
    expect_file_error([&] { Zoo::open(tmp.path().toStdString()); }, "zoo.json", "not a LoRA zoo");
  }

  void incremental_add_rewrites_only_that_task() {
    QTemporaryDir tmp;
    const std::string dir = make_two_task_zoo(tmp);
    const std::string b_bytes = read_bytes(dir + "/tasks/b.safetensors");
    Zoo zoo = Zoo::open(dir);
    const torch::Tensor old = zoo.task_params("a").clone();
    zoo.add_checkpoints("a", checkpoints(2, 50, "lpips"));
    QCOMPARE(zoo.count("a"), int64_t(5));
    const Zoo back = Zoo::open(dir);
    QCOMPARE(back.count("a"), int64_t(5));
    QVERIFY(torch::equal(back.task_params("a").narrow(0, 0, 3), old));
    QCOMPARE(back.task("a").metric_names, (std::vector<std::string>{"fid", "lpips"}));
    const torch::Tensor m = back.task_metrics("a");
    QCOMPARE(m[2][0].item<float>(), 22.0f);
    QVERIFY(std::isnan(m[2][1].item<float>()));
    QVERIFY(std::isnan(m[3][0].item<float>()));
    QCOMPARE(m[4][1].item<float>(), 21.0f);
    QCOMPARE(back.task("a").sources.size(), size_t(5));
    QCOMPARE(read_bytes(dir + "/tasks/b.safetensors"), b_bytes);
    QCOMPARE(temp_files(dir), 0);
    // Appending to task b (no metrics) keeps it metric-free.
    zoo.add_checkpoints("b", checkpoints(1, 70, ""));
    QVERIFY(!Zoo::open(dir).task_metrics("b").defined());
    QVERIFY_EXCEPTION_THROWN(zoo.add_checkpoints("nope", checkpoints(1, 1)), Error);
    QVERIFY_EXCEPTION_THROWN(zoo.add_task("a", TaskCondition::from_text("x"), checkpoints(1, 1)), Error);
    QVERIFY_EXCEPTION_THROWN(zoo.add_task("bad/name", TaskCondition::from_text("x"), checkpoints(1, 1)), Error);
    QVERIFY_EXCEPTION_THROWN(zoo.add_task("c", TaskCondition{}, checkpoints(1, 1)), Error);
  }

  void condition_images_are_copied_into_the_zoo() {
    QTemporaryDir tmp;
    const std::string dir = make_two_task_zoo(tmp);
    const Zoo zoo = Zoo::open(dir);
    const auto& images = zoo.condition("a").images;
    QCOMPARE(images.size(), size_t(1));
    QCOMPARE(images[0].source, tmp.filePath("starry night.jpg").toStdString());
    QCOMPARE(images[0].file, std::string("images/a/0_starry_night.jpg"));
    QCOMPARE(read_bytes(zoo.image_path("a", 0)), std::string("not really a jpeg"));
    fs::remove(images[0].source);  // the zoo is self-contained
    QCOMPARE(Zoo::open(dir).tasks().size(), size_t(2));
  }

  void layout_mismatch_names_adapter_and_module() {
    QTemporaryDir tmp;
    const std::string dir = make_two_task_zoo(tmp);
    const std::string before = read_bytes(dir + "/tasks/a.safetensors");
    Zoo zoo = Zoo::open(dir);
    auto cps = checkpoints(3, 30);
    auto specs = kSpecs;
    specs[2].rank = 3;
    cps[1].adapter = test::random_adapter(specs, 7);
    cps[1].source = "/loras/bad";
    expect_file_error([&] { zoo.add_checkpoints("a", cps); }, "/loras/bad", "module blocks.1.proj has rank 3");
    QCOMPARE(Zoo::open(dir).count("a"), int64_t(3));
    QCOMPARE(read_bytes(dir + "/tasks/a.safetensors"), before);
  }

  void corrupt_or_missing_files_data() {
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing task file") << "missing task file" << "tasks/a.safetensors" << "is missing";
    QTest::newRow("truncated task file") << "truncated task file" << "tasks/a.safetensors" << "";
    QTest::newRow("zoo.json not JSON") << "zoo.json not JSON" << "zoo.json" << "is not valid JSON";
    QTest::newRow("future version") << "future version" << "zoo.json" << "zoo version 99 is not supported";
    // Found by the zoo.json fuzzer: a float version beyond int's range was undefined behaviour.
    QTest::newRow("huge version") << "huge version" << "zoo.json" << "version: 1.555555556e+72 is out of range";
    QTest::newRow("number overflow") << "number overflow" << "zoo.json" << "is not valid JSON: number overflow";
    QTest::newRow("count vs sources") << "count vs sources" << "zoo.json" << "3 sources for 4 checkpoints";
    QTest::newRow("manifest dim") << "manifest dim" << "zoo.json" << "\"dim\" is 7";
    QTest::newRow("missing layout") << "missing layout" << "layout.json" << "is missing";
    QTest::newRow("layout garbage") << "layout garbage" << "layout.json" << "is not valid JSON";
    QTest::newRow("wrong D") << "wrong D" << "tasks/a.safetensors" << "the zoo's layout needs [N, ";
    QTest::newRow("fewer rows") << "fewer rows" << "tasks/a.safetensors" << "holds 2 checkpoints but zoo.json records 3";
    QTest::newRow("wrong dtype") << "wrong dtype" << "tasks/a.safetensors" << "\"params\" is F16";
    QTest::newRow("missing metrics") << "missing metrics" << "tasks/a.safetensors" << "has no \"metrics\" tensor";
    QTest::newRow("swapped task file") << "swapped task file" << "tasks/a.safetensors" << "holds task 'b', not 'a'";
    QTest::newRow("missing image") << "missing image" << "images/a/0_starry_night.jpg" << "is missing";
  }
  void corrupt_or_missing_files() {
    QFETCH(QString, fault);
    QFETCH(QString, file);
    QFETCH(QString, message);
    QTemporaryDir tmp;
    const std::string dir = make_two_task_zoo(tmp);
    const std::string f = fault.toStdString();
    const std::string task_a = dir + "/tasks/a.safetensors";
    const int64_t dim = Zoo::open(dir).dim();
    nlohmann::json manifest = read_json(dir + "/zoo.json");
    if (f == "missing task file") fs::remove(task_a);
    if (f == "truncated task file") fs::resize_file(task_a, 20);
    if (f == "zoo.json not JSON") write_bytes(dir + "/zoo.json", "{\"format\": \"lorastudio-zoo\", ");
    if (f == "future version") manifest["version"] = 99;
    if (f == "huge version") manifest["version"] = 1.5555555555555555e72;
    if (f == "number overflow") write_bytes(dir + "/zoo.json", "{\"format\": \"lorastudio-zoo\", \"version\": -1e400}");
    if (f == "count vs sources") manifest["tasks"][0]["count"] = 4;
    if (f == "manifest dim") manifest["dim"] = 7;
    if (f == "missing layout") fs::remove(dir + "/layout.json");
    if (f == "layout garbage") write_bytes(dir + "/layout.json", "[1, 2");
    if (f == "wrong D") write_safetensors(task_a, {{"params", torch::zeros({3, dim - 1})}});
    if (f == "fewer rows") write_safetensors(task_a, {{"params", torch::zeros({2, dim})}, {"metrics", torch::zeros({2, 1})}});
    if (f == "wrong dtype") write_safetensors(task_a, {{"params", torch::zeros({3, dim}, torch::kHalf)}});
    if (f == "missing metrics") write_safetensors(task_a, {{"params", torch::zeros({3, dim})}});
    if (f == "swapped task file") fs::copy_file(dir + "/tasks/b.safetensors", task_a, fs::copy_options::overwrite_existing);
    if (f == "missing image") fs::remove(dir + "/images/a/0_starry_night.jpg");
    if (f == "future version" || f == "huge version" || f == "count vs sources" || f == "manifest dim") write_json(dir + "/zoo.json", manifest);
    expect_file_error([&] { Zoo::open(dir); }, file.toStdString(), message.toStdString());
  }

  void failed_adds_leave_the_old_zoo_readable() {
    QTemporaryDir tmp;
    const std::string dir = make_two_task_zoo(tmp);
    const std::string manifest_before = read_bytes(dir + "/zoo.json");
    const std::string a_before = read_bytes(dir + "/tasks/a.safetensors");
    Zoo zoo = Zoo::open(dir);

    // Non-finite parameters: refused before anything is written.
    FlatCheckpoints rows = zoo.task_checkpoints("b");
    rows.params = rows.params.clone();
    rows.params[1][3] = std::nanf("");
    QVERIFY_EXCEPTION_THROWN(zoo.add_task("c", TaskCondition::from_text("x"), rows, zoo.layout()), Error);
    QVERIFY(!fs::exists(dir + "/tasks/c.safetensors"));
    // A missing condition image: FileError naming it, nothing written.
    expect_file_error([&] { zoo.add_task("c", TaskCondition::from_images({"/nonexistent/x.png"}), checkpoints(1, 1)); },
                      "/nonexistent/x.png", "cannot read the condition image");
    QVERIFY(!fs::exists(dir + "/tasks/c.safetensors"));

    // zoo.json cannot be replaced (a directory stands in its way) after the task file was written:
    // a new task's file is removed again, an append's file is restored.
    fs::remove(dir + "/zoo.json");
    fs::create_directory(dir + "/zoo.json");
    QVERIFY_EXCEPTION_THROWN(zoo.add_task("c", TaskCondition::from_text("x"), checkpoints(2, 5)), FileError);
    QVERIFY(!fs::exists(dir + "/tasks/c.safetensors"));
    QVERIFY_EXCEPTION_THROWN(zoo.add_checkpoints("a", checkpoints(2, 5)), FileError);
    QCOMPARE(read_bytes(dir + "/tasks/a.safetensors"), a_before);
    fs::remove(dir + "/zoo.json");
    write_bytes(dir + "/zoo.json", manifest_before);
    QCOMPARE(temp_files(dir), 0);
    const Zoo back = Zoo::open(dir);
    QCOMPARE(back.tasks(), (std::vector<std::string>{"a", "b"}));
    QCOMPARE(back.count("a"), int64_t(3));
    QVERIFY(back.warnings().empty());
  }

  void interrupted_append_is_ignored_until_recorded() {
    QTemporaryDir tmp;
    const std::string dir = make_two_task_zoo(tmp);
    Zoo zoo = Zoo::open(dir);
    const torch::Tensor old = zoo.task_params("a").clone();
    const torch::Tensor old_metrics = zoo.task_metrics("a").clone();
    // What a crash between the task file's rename and zoo.json's leaves: one more row and metric column.
    const torch::Tensor params = torch::cat({old, torch::ones({1, zoo.dim()})});
    const torch::Tensor metrics = torch::cat({torch::cat({old_metrics, torch::zeros({1, 1})}), torch::zeros({4, 1})}, 1);
    write_safetensors(dir + "/tasks/a.safetensors", {{"params", params}, {"metrics", metrics}}, {{"task", "a"}});
    const Zoo back = Zoo::open(dir);
    QCOMPARE(back.count("a"), int64_t(3));
    QCOMPARE(back.warnings().size(), size_t(1));
    QVERIFY(back.warnings()[0].find("interrupted append") != std::string::npos);
    QVERIFY(torch::equal(back.task_params("a"), old));
    QVERIFY(torch::equal(back.task_metrics("a"), old_metrics));
    Zoo again = Zoo::open(dir);
    again.add_checkpoints("a", checkpoints(1, 90));
    QCOMPARE(Zoo::open(dir).count("a"), int64_t(4));
    QVERIFY(Zoo::open(dir).warnings().empty());
  }

  void import_from_directories_in_natural_order() {
    QTemporaryDir tmp;
    const std::string loras = tmp.filePath("loras").toStdString();
    std::vector<LoraAdapter> adapters;
    for (int seed : {1, 2, 10}) {
      adapters.push_back(test::random_adapter(kSpecs, seed));
      save_adapter(adapters.back(), AdapterFormat::Peft, loras + "/seed" + std::to_string(seed));
    }
    const LoraAdapter diffusers = test::random_adapter(kSpecs, 3);
    save_adapter(diffusers, AdapterFormat::Diffusers, loras + "/seed3.safetensors");
    write_bytes(loras + "/README.txt", "skipped");
    fs::create_directory(loras + "/.cache");

    const auto expanded = expand_adapter_paths({loras});
    QCOMPARE(expanded.size(), size_t(4));
    QVERIFY(QString::fromStdString(expanded[2]).endsWith("seed3.safetensors"));
    QVERIFY(QString::fromStdString(expanded[3]).endsWith("seed10"));

    const std::string dir = tmp.filePath("zoo").toStdString();
    std::vector<std::pair<int, int>> calls;
    ZooImportOptions options;
    options.task = "t";
    options.condition = TaskCondition::from_text("a style");
    const ZooImportResult r = import_into_zoo(dir, {loras}, options, [&](int done, int total) {
      calls.emplace_back(done, total);
      return true;
    });
    QVERIFY(r.created_zoo && r.created_task && !r.cancelled);
    QCOMPARE(r.added, int64_t(4));
    QCOMPARE(calls.size(), size_t(5));
    QVERIFY(calls.front() == std::make_pair(0, 4) && calls.back() == std::make_pair(4, 4));
    Zoo zoo = Zoo::open(dir);
    QVERIFY(torch::equal(zoo.task_params("t")[2], zoo.layout().flatten(diffusers)));
    QVERIFY(torch::equal(zoo.task_params("t")[3], zoo.layout().flatten(adapters[2])));

    // Appending: no condition needed; the same one is accepted, another one is not.
    ZooImportOptions append;
    append.task = "t";
    const ZooImportResult r2 = import_into_zoo(dir, {loras + "/seed1"}, append);
    QVERIFY(!r2.created_zoo && !r2.created_task);
    QCOMPARE(r2.task_count, int64_t(5));
    append.condition = TaskCondition::from_text("a style");
    QCOMPARE(import_into_zoo(dir, {loras + "/seed2"}, append).task_count, int64_t(6));
    append.condition = TaskCondition::from_text("another style");
    QVERIFY_EXCEPTION_THROWN(import_into_zoo(dir, {loras + "/seed2"}, append), Error);
    append.condition = {};
    append.balance = BalanceOptions{0.2, 200};
    QVERIFY_EXCEPTION_THROWN(import_into_zoo(dir, {loras + "/seed2"}, append), Error);

    fs::create_directory(loras + "/logs");
    write_bytes(loras + "/logs/a.txt", "x");
    expect_file_error([&] { expand_adapter_paths({loras}); }, "logs", "is not an adapter");
    expect_file_error([&] { expand_adapter_paths({loras + "/nope"}); }, "nope", "no such file");
  }

  void cancelled_or_failed_imports_leave_nothing() {
    QTemporaryDir tmp;
    const std::string loras = tmp.filePath("loras").toStdString();
    for (int seed : {1, 2, 3}) save_adapter(test::random_adapter(kSpecs, seed), AdapterFormat::Peft, loras + "/s" + std::to_string(seed));
    const std::string dir = tmp.filePath("zoo").toStdString();
    ZooImportOptions options;
    options.task = "t";
    options.condition = TaskCondition::from_text("x");
    const ZooImportResult r = import_into_zoo(dir, {loras}, options, [](int done, int) { return done < 2; });
    QVERIFY(r.cancelled);
    QVERIFY(!fs::exists(dir));
    // A directory that is neither a zoo nor empty is refused before any adapter is read.
    expect_file_error([&] { import_into_zoo(loras, {loras + "/s1"}, options); }, "loras", "is neither a zoo");

    auto specs = kSpecs;
    specs[1].out = 9;
    save_adapter(test::random_adapter(specs, 4), AdapterFormat::Peft, loras + "/s4");
    expect_file_error([&] { import_into_zoo(dir, {loras}, options); }, "s4",
                      "module blocks.0.attn.to_k is 9x6 (out x in); the zoo's is 8x6");
    QVERIFY(!fs::exists(dir));

    import_into_zoo(dir, {loras + "/s1"}, options);
    const std::string before = read_bytes(dir + "/zoo.json");
    QVERIFY(import_into_zoo(dir, {loras + "/s2", loras + "/s3"}, options, [](int done, int) { return done < 1; }).cancelled);
    QCOMPARE(read_bytes(dir + "/zoo.json"), before);
  }

  void real_condpdiff_pixart_loras() {
    const std::string root = test::data_path("condpdiff-pixart-loras");
    for (int c = 0; c < 4; ++c) LS_REQUIRE_FILE(root + "/OriginLoRA/class0" + std::to_string(c) + "/adapter_model.safetensors");
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("pixart-zoo").toStdString();
    const std::string image = test::data_path("style-images/styles/starry_night.jpg");
    for (int c = 0; c < 4; ++c) {
      const std::string task = "class0" + std::to_string(c);
      ZooImportOptions options;
      options.task = task;
      options.condition = c == 3 && test::exists(image) ? TaskCondition::from_images({image})
                                                        : TaskCondition::from_text("PixArt style " + task);
      const ZooImportResult r = import_into_zoo(dir, {root + "/OriginLoRA/" + task}, options);
      QCOMPARE(r.dim, int64_t(516096));
    }
    const std::string class01_bytes = read_bytes(dir + "/tasks/class01.safetensors");
    // Incremental: the generated and souped LoRAs of class00 join its task.
    ZooImportOptions append;
    append.task = "class00";
    import_into_zoo(dir, {root + "/GenLoRA/class00", root + "/SoupLoRA/class00"}, append);

    const Zoo zoo = Zoo::open(dir);
    QCOMPARE(zoo.tasks(), (std::vector<std::string>{"class00", "class01", "class02", "class03"}));
    QCOMPARE(zoo.dim(), int64_t(516096));
    QCOMPARE(zoo.layout().modules().size(), size_t(224));
    QCOMPARE(zoo.layout().summary_json()["ranks"], nlohmann::json({1}));
    QCOMPARE(zoo.layout().summary_json()["alphas"], nlohmann::json({8.0}));
    QCOMPARE(zoo.count("class00"), int64_t(3));
    QCOMPARE(zoo.checkpoint_count(), int64_t(6));
    QCOMPARE(read_bytes(dir + "/tasks/class01.safetensors"), class01_bytes);
    for (int c = 0; c < 4; ++c) {
      const std::string task = "class0" + std::to_string(c);
      const LoraAdapter original = load_adapter(root + "/OriginLoRA/" + task).adapter;
      const torch::Tensor row = zoo.task_params(task)[0];
      QVERIFY(torch::equal(row, zoo.layout().flatten(original)));
      const LoraAdapter back = zoo.layout().unflatten(row);  // exact factors, so exactly the same ΔW
      QCOMPARE(back.modules.size(), original.modules.size());
      for (size_t i = 0; i < back.modules.size(); ++i) {
        QCOMPARE(back.modules[i].path, original.modules[i].path);
        QCOMPARE(back.modules[i].alpha, original.modules[i].alpha);
        QVERIFY(torch::equal(back.modules[i].A, original.modules[i].A));
        QVERIFY(torch::equal(back.modules[i].B, original.modules[i].B));
      }
    }
    const LoraAdapter gen = load_adapter(root + "/GenLoRA/class00").adapter;
    QVERIFY(torch::equal(zoo.task_params("class00")[1], zoo.layout().flatten(gen)));

    // Cond P-Diff's balancing (A x 0.2, B x 200) keeps ΔW.
    const std::string balanced = tmp.filePath("balanced").toStdString();
    ZooImportOptions options;
    options.task = "class02";
    options.condition = TaskCondition::from_text("style 2");
    options.balance = BalanceOptions{0.2, 200};
    import_into_zoo(balanced, {root + "/OriginLoRA/class02"}, options);
    const Zoo bz = Zoo::open(balanced);
    LoraAdapter original = load_adapter(root + "/OriginLoRA/class02").adapter;
    LoraAdapter back = bz.layout().unflatten(bz.task_params("class02")[0]);
    // ΔW of every 8th module (1152 x 1152 each; all 224 would take seconds).
    for (LoraAdapter* a : {&original, &back}) {
      std::vector<LoraModule> some;
      for (size_t i = 0; i < a->modules.size(); i += 8) some.push_back(a->modules[i]);
      a->modules = some;
    }
    double scale = 0;
    for (const auto& m : original.modules) scale = std::max(scale, test::reference_delta(original, m).abs().max().item<double>());
    const double diff = test::max_delta_difference(back, original);
    QVERIFY2(diff <= 1e-6 * scale, (std::to_string(diff) + " vs max |ΔW| " + std::to_string(scale)).c_str());
  }

  void cli_import_and_info() {
    if (!test::exists(test::cli_path())) QSKIP("lora-studio-cli is not built");
    QTemporaryDir tmp;
    const std::string loras = tmp.filePath("loras").toStdString();
    for (int seed : {1, 2, 3}) save_adapter(test::random_adapter(kSpecs, seed), AdapterFormat::Peft, loras + "/s" + std::to_string(seed));
    const std::string dir = tmp.filePath("zoo").toStdString();
    Cli r = cli("zoo import " + q(loras) + " -o " + q(dir) + " --task t1 --condition-text 'a style' --example 'e1'");
    QVERIFY2(r.status == 0, r.output.c_str());
    QVERIFY2(r.output.find("3/3") != std::string::npos, r.output.c_str());
    r = cli("zoo import " + q(loras + "/s1") + " -o " + q(dir) + " --task t1");
    QVERIFY2(r.status == 0, r.output.c_str());
    r = cli("zoo info " + q(dir) + " --json");
    QVERIFY2(r.status == 0, r.output.c_str());
    const nlohmann::json j = nlohmann::json::parse(r.output);
    QCOMPARE(j["tasks"][0]["count"].get<int>(), 4);
    QCOMPARE(j["dim"].get<int64_t>(), test::random_adapter(kSpecs, 0).parameter_count());
    QCOMPARE(j["tasks"][0]["condition"]["examples"][0].get<std::string>(), std::string("e1"));
    QVERIFY(j["tasks"][0]["stats"].contains("std"));
    // Errors: a new task without a condition is a usage error; a mismatched adapter names itself.
    QCOMPARE(cli("zoo import " + q(loras) + " -o " + q(dir) + " --task t2").status, 2);
    auto specs = kSpecs;
    specs[0].rank = 3;
    save_adapter(test::random_adapter(specs, 4), AdapterFormat::Peft, loras + "/odd");
    r = cli("zoo import " + q(loras + "/odd") + " -o " + q(dir) + " --task t1");
    QCOMPARE(r.status, 1);
    QVERIFY2(r.output.find("odd") != std::string::npos && r.output.find("blocks.0.attn.to_q") != std::string::npos,
             r.output.c_str());
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestZooStore)
#include "test_zoo_store.moc"
