// Every real adapter, converted to every format and back: ΔW of every module unchanged.
#include <QtTest/QtTest>
#include <QTemporaryDir>
#include <nlohmann/json.hpp>
#include <fstream>

#include "core/formats/adapter_io.h"
#include "tests/support/adapter_testing.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;

class TestFormatConversion : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void round_trip_data() {
    QTest::addColumn<QString>("source");  // relative to golden or data dir, prefixed "golden:" / "data:"
    QTest::addColumn<QString>("via");
    const QStringList sources = {"golden:models/bert_lora_adapter", "golden:models/gpt2_lora_adapter",
                                 "golden:pixart/lora_style",
                                 "golden:pixart/lora_style/pytorch_lora_weights.safetensors",
                                 "data:condpdiff-pixart-loras/OriginLoRA/class00",
                                 "data:condpdiff-pixart-loras/GenLoRA/class03"};
    for (const auto& s : sources)
      for (const char* f : {"peft", "diffusers", "kohya"})
        QTest::newRow(qPrintable(s + " via " + f)) << s << QString(f);
  }
  void round_trip() {
    QFETCH(QString, source);
    QFETCH(QString, via);
    const std::string rel = source.section(':', 1).toStdString();
    const std::string path = source.startsWith("golden:") ? test::golden_path(rel) : test::data_path(rel);
    LS_REQUIRE_FILE(path);
    LoadedAdapter original = load_adapter(path);
    const AdapterFormat target = *parse_format_name(via.toStdString());
    QTemporaryDir tmp;
    SaveResult first = save_adapter(original.adapter, target, tmp.path().toStdString() + "/a");
    LoadedAdapter converted = load_adapter(tmp.path().toStdString() + "/a");
    QCOMPARE(converted.format, target);
    QVERIFY2(test::max_delta_difference(original.adapter, converted.adapter) < 1e-6, "ΔW changed in conversion");
    // ...and back to the source format
    save_adapter(converted.adapter, original.format, tmp.path().toStdString() + "/b");
    LoadedAdapter back = load_adapter(tmp.path().toStdString() + "/b");
    QCOMPARE(back.format, original.format);
    QCOMPARE(back.adapter.modules.size(), original.adapter.modules.size());
    QVERIFY(test::max_delta_difference(original.adapter, back.adapter) < 1e-6);
    QCOMPARE(back.adapter.fan_in_fan_out, original.adapter.fan_in_fan_out);
    for (size_t i = 0; i < original.adapter.modules.size(); ++i)
      QCOMPARE(back.adapter.modules[i].path, original.adapter.modules[i].path);
  }

  // A classifier adapter's head (modules_to_save) cannot live in a kohya or diffusers file: back in PEFT form its
  // task type is dropped too (peft would expect the head and fail with a KeyError), and both steps say so.
  void head_task_type_follows_its_head() {
    const std::string path = test::golden_path("models/bert_lora_adapter");
    LS_REQUIRE_FILE(path);
    const LoadedAdapter original = load_adapter(path);
    QVERIFY(!original.adapter.saved_modules.empty());
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    const SaveResult same = save_adapter(original.adapter, AdapterFormat::Peft, root + "/peft");
    QVERIFY(same.notes.empty());
    QCOMPARE(load_adapter(root + "/peft").adapter.task_type, original.adapter.task_type);
    for (AdapterFormat via : {AdapterFormat::Kohya, AdapterFormat::Diffusers}) {
      const std::string mid = root + "/" + format_name(via) + ".safetensors";
      const SaveResult dropped = save_adapter(original.adapter, via, mid);
      QVERIFY(!dropped.notes.empty() && QString::fromStdString(dropped.notes.back()).contains("modules_to_save"));
      const LoadedAdapter through = load_adapter(mid);
      const SaveResult back = save_adapter(through.adapter, AdapterFormat::Peft, root + "/back_" + format_name(via));
      QVERIFY(!back.notes.empty() && QString::fromStdString(back.notes.back()).contains("task_type"));
      std::ifstream in(root + "/back_" + std::string(format_name(via)) + "/adapter_config.json");
      const nlohmann::json config = nlohmann::json::parse(in);
      QVERIFY2(config["task_type"].is_null(), config.dump().c_str());
      QVERIFY(config["modules_to_save"].is_null() || config["modules_to_save"].empty());
    }
  }

  void chain_through_all_formats() {
    const std::string path = test::golden_path("models/gpt2_lora_adapter");
    LS_REQUIRE_FILE(path);
    LoadedAdapter current = load_adapter(path);
    const LoraAdapter original = current.adapter;
    QTemporaryDir tmp;
    int i = 0;
    for (AdapterFormat f : {AdapterFormat::Diffusers, AdapterFormat::Kohya, AdapterFormat::Peft}) {
      const std::string out = tmp.path().toStdString() + "/step" + std::to_string(i++);
      save_adapter(current.adapter, f, out);
      current = load_adapter(out);
    }
    QVERIFY(current.adapter.fan_in_fan_out);
    QVERIFY(test::max_delta_difference(original, current.adapter) < 1e-6);
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestFormatConversion)
#include "test_format_conversion.moc"
