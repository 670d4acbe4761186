// lora-studio-cli end to end: help, inspect on real adapters, convert, interpolate, soup, compare, errors.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include "core/formats/adapter_io.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"
#include "tests/support/golden_expectations.h"

using namespace lorastudio;

using test::cli;
using test::cli_json;
using test::q;

class TestCli : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void help_lists_commands() {
    test::CliRun r = cli("--help");
    QCOMPARE(r.status, 0);
    for (const char* c : {"inspect", "convert", "interpolate", "soup", "compare", "bench"})
      QVERIFY2(r.output.find(c) != std::string::npos, c);
  }

  void every_command_has_help_data() {
    QTest::addColumn<QString>("command");
    for (const char* c : {"inspect", "convert", "interpolate", "soup", "compare", "bench"}) QTest::newRow(c) << c;
  }
  void every_command_has_help() {
    QFETCH(QString, command);
    test::CliRun r = cli(command.toStdString() + " --help");
    QCOMPARE(r.status, 0);
    QVERIFY(QString::fromStdString(r.output).contains("Usage: lora-studio-cli " + command));
  }

  void usage_errors_exit_2() {
    QCOMPARE(cli("frobnicate").status, 2);
    QCOMPARE(cli("inspect").status, 2);
    QCOMPARE(cli("convert x --to safetensors -o y").status, 2);
    QCOMPARE(cli("inspect x --bogus").status, 2);
  }

  void missing_file_names_it() {
    test::CliRun r = cli("inspect /nonexistent/adapter");
    QCOMPARE(r.status, 1);
    QVERIFY(r.output.find("/nonexistent/adapter") != std::string::npos);
  }

  void inspects_condpdiff_loras_data() {
    QTest::addColumn<QString>("set");
    for (const char* set : {"GenLoRA", "OriginLoRA", "SoupLoRA"})
      for (int c = 0; c < 4; ++c) QTest::newRow(qPrintable(QString("%1/class0%2").arg(set).arg(c))) << QString("%1/class0%2").arg(set).arg(c);
  }
  void inspects_condpdiff_loras() {
    QFETCH(QString, set);
    const std::string dir = test::data_path("condpdiff-pixart-loras/" + set.toStdString());
    LS_REQUIRE_FILE(dir);
    auto j = cli_json("inspect --json " + q(dir));
    QCOMPARE(j["format"].get<std::string>(), std::string("peft"));
    QCOMPARE(j["module_count"].get<int>(), 224);
    QCOMPARE(j["parameter_count"].get<int64_t>(), int64_t(516096));
    QCOMPARE(j["ranks"], nlohmann::json::array({1}));
    QCOMPARE(j["alphas"], nlohmann::json::array({8.0}));
    QCOMPARE(j["modules"][0]["module"].get<std::string>(), std::string("transformer_blocks.0.attn1.to_k"));
    QCOMPARE(j["modules"][0]["in_features"].get<int>(), 1152);
    QVERIFY(j["delta_norm_total"].get<double>() > 0);
  }

  void inspects_golden_adapters() {
    const std::string gpt2 = test::golden_path("models/gpt2_lora_adapter");
    LS_REQUIRE_FILE(gpt2);
    const test::ExpectedPeftAdapter g = test::expected_peft_adapter(gpt2);
    auto j = cli_json("inspect --json " + q(gpt2));
    QCOMPARE(j["fan_in_fan_out"].get<bool>(), g.fan_in_fan_out);
    QCOMPARE(j["module_count"].get<size_t>(), g.modules.size());
    const std::string bert = test::golden_path("models/bert_lora_adapter");
    const test::ExpectedPeftAdapter e = test::expected_peft_adapter(bert);
    auto b = cli_json("inspect --json " + q(bert));
    QCOMPARE(b["saved_module_parameters"].get<int64_t>(), e.saved_parameters);
    QCOMPARE(b["parameter_count"].get<int64_t>(), e.lora_parameters);
  }

  void convert_interpolate_soup_compare() {
    const std::string a = test::data_path("condpdiff-pixart-loras/OriginLoRA/class00");
    const std::string b = test::data_path("condpdiff-pixart-loras/OriginLoRA/class01");
    LS_REQUIRE_FILE(a);
    QTemporaryDir tmp;
    const std::string t = tmp.path().toStdString();
    QCOMPARE(cli("convert " + q(a) + " --to kohya -o " + q(t + "/k.safetensors")).status, 0);
    auto k = cli_json("inspect --json " + q(t + "/k.safetensors"));
    QCOMPARE(k["format"].get<std::string>(), std::string("kohya"));
    QCOMPARE(k["parameter_count"].get<int64_t>(), int64_t(516096));

    QCOMPARE(cli("interpolate " + q(a) + " " + q(b) + " --lambda 0.3 -o " + q(t + "/mix")).status, 0);
    auto mix = cli_json("inspect --json " + q(t + "/mix"));
    QCOMPARE(mix["ranks"], nlohmann::json::array({2}));
    QCOMPARE(mix["provenance"]["lambda"].get<std::string>(), std::string("0.3"));

    // λ = 0 reproduces A exactly: compare says distance 0 and cosine 1.
    QCOMPARE(cli("interpolate " + q(a) + " " + q(b) + " --lambda 0 -o " + q(t + "/zero")).status, 0);
    auto same = cli_json("compare --json " + q(t + "/zero") + " " + q(a));
    QVERIFY(same["relative_distance"].get<double>() < 1e-6);
    QVERIFY(std::abs(same["mean_cosine"].get<double>() - 1.0) < 1e-6);

    auto soup = cli_json("soup --json " + q(a) + " " + q(b) + " -o " + q(t + "/soup") + " --rank 1");
    QVERIFY(soup["relative_error"].get<double>() > 0);  // two different rank-1 ΔW: their mean is rank 2
    auto exact = cli_json("soup --json " + q(a) + " " + q(b) + " -o " + q(t + "/soup2") + " --rank 2");
    QVERIFY(exact["relative_error"].get<double>() < 1e-5);

    auto diff = cli_json("compare --json " + q(a) + " " + q(b));
    QCOMPARE(diff["modules"].size(), size_t(224));
    QVERIFY(diff["relative_distance"].get<double>() > 0.5);
  }

  void version() {
    test::CliRun r = cli("--version");
    QCOMPARE(r.status, 0);
    QVERIFY(r.output.find("lora-studio-cli") != std::string::npos);
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestCli)
#include "test_cli.moc"
