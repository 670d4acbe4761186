// CheckpointReader: one .safetensors file, a sharded *.safetensors.index.json, or a checkpoint
// directory, read as one set of tensors; every inconsistency is a FileError naming the file.
#include <string>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "core/io/checkpoint_reader.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "tests/support/test_paths.h"
#include "tests/support/golden_expectations.h"

using namespace lorastudio;

namespace {

void write_text(const QString& path, const QByteArray& text) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  QCOMPARE(f.write(text), qint64(text.size()));
}

// The tensors of the test checkpoint and the shard each goes to.
struct Entry {
  const char* name;
  const char* shard;
  torch::Tensor value;
};

std::vector<Entry> entries() {
  torch::manual_seed(7);
  return {
      {"encoder.weight", "model-00001-of-00003.safetensors", torch::randn({4, 3})},
      {"encoder.bias", "model-00001-of-00003.safetensors", torch::randn({4})},
      {"decoder.weight", "model-00002-of-00003.safetensors", torch::randn({3, 4}).to(torch::kHalf)},
      {"decoder.bias", "model-00002-of-00003.safetensors", torch::arange(3, torch::kLong)},
      {"head.weight", "model-00003-of-00003.safetensors", torch::randn({2, 3}).to(torch::kBFloat16)},
      {"head.mask", "model-00003-of-00003.safetensors", torch::tensor({true, false})},
      {"head.scale", "model-00003-of-00003.safetensors", torch::tensor(2.5)},
  };
}

// Writes the shards and an index into `dir`; returns the index path.
std::string make_sharded(const QString& dir, const QString& index_name = "model.safetensors.index.json") {
  std::map<std::string, std::vector<NamedTensor>> shards;
  nlohmann::json wm = nlohmann::json::object();
  for (const auto& e : entries()) {
    shards[e.shard].push_back({e.name, e.value});
    wm[e.name] = e.shard;
  }
  for (const auto& [file, tensors] : shards)
    write_safetensors((dir + "/" + QString::fromStdString(file)).toStdString(), tensors, {{"format", "pt"}});
  nlohmann::json index = {{"metadata", {{"total_size", 1234}, {"format", "pt"}}}, {"weight_map", wm}};
  const QString path = dir + "/" + index_name;
  write_text(path, QByteArray::fromStdString(index.dump(2)));
  return path.toStdString();
}

template <class F>
void expect_file_error(F&& f, const std::string& label, const QStringList& phrases) {
  try {
    f();
  } catch (const FileError& e) {
    const QString what = QString::fromUtf8(e.what());
    QVERIFY2(e.path() == label, qPrintable("FileError names " + QString::fromStdString(e.path()) + ": " + what));
    for (const QString& phrase : phrases)
      QVERIFY2(what.contains(phrase), qPrintable("message \"" + what + "\" lacks \"" + phrase + "\""));
    return;
  } catch (const std::exception& e) {
    QFAIL(qPrintable(QString("expected FileError, got: ") + e.what()));
  }
  QFAIL("no exception");
}

}  // namespace

class TestCheckpointReader : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void sharded_index() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string index = make_sharded(dir.path());

    for (const std::string& open_as : {index, dir.path().toStdString()}) {
      CheckpointReader r(open_as);
      QVERIFY(r.is_sharded());
      QCOMPARE(r.index_path(), index);
      QCOMPARE(r.source_path(), index);
      QCOMPARE(r.path(), open_as);
      QCOMPARE(r.shard_count(), size_t(3));
      const auto shards = r.shard_paths();
      QCOMPARE(shards.size(), size_t(3));
      QVERIFY(QString::fromStdString(shards[0]).endsWith("/model-00001-of-00003.safetensors"));
      QVERIFY(QString::fromStdString(shards[2]).endsWith("/model-00003-of-00003.safetensors"));
      QCOMPARE(r.shard(1).path(), shards[1]);
      QCOMPARE(r.metadata().at("total_size"), std::string("1234"));
      QCOMPARE(r.metadata().at("format"), std::string("pt"));

      const auto all = entries();
      QCOMPARE(r.size(), all.size());
      std::vector<std::string> sorted;
      for (const auto& e : all) sorted.push_back(e.name);
      std::sort(sorted.begin(), sorted.end());
      QCOMPARE(r.names(), sorted);
      for (const auto& e : all) {
        QVERIFY(r.contains(e.name));
        QVERIFY(QString::fromStdString(r.shard_path_of(e.name)).endsWith(e.shard));
        torch::Tensor t = r.tensor(e.name);
        QCOMPARE(t.scalar_type(), e.value.scalar_type());
        QVERIFY2(torch::equal(t, e.value), e.name);
        QCOMPARE(r.info(e.name).name, std::string(e.name));
      }
      QVERIFY(!r.contains("nope"));
      expect_file_error([&] { r.tensor("nope"); }, index, {"checkpoint has no tensor named \"nope\""});
      expect_file_error([&] { r.info("nope"); }, index, {"no tensor named"});
    }
  }

  // Views stay valid after the reader (and its shard readers) are gone.
  void tensors_outlive_reader() {
    QTemporaryDir dir;
    make_sharded(dir.path());
    torch::Tensor t;
    {
      CheckpointReader r(dir.path().toStdString());
      t = r.tensor("encoder.weight");
    }
    QVERIFY(torch::equal(t, entries()[0].value));
    CheckpointReader moved = CheckpointReader(dir.path().toStdString());
    QCOMPARE(moved.size(), size_t(7));
  }

  void diffusers_directory_names() {
    QTemporaryDir dir;
    make_sharded(dir.path(), "diffusion_pytorch_model.safetensors.index.json");
    CheckpointReader r(dir.path().toStdString());
    QVERIFY(r.is_sharded());
    QVERIFY(QString::fromStdString(r.index_path()).endsWith("/diffusion_pytorch_model.safetensors.index.json"));
    QCOMPARE(r.size(), size_t(7));

    QTemporaryDir single;
    const std::string file = (single.path() + "/diffusion_pytorch_model.safetensors").toStdString();
    write_safetensors(file, {{"x", torch::ones({2})}}, {{"format", "pt"}});
    CheckpointReader s(single.path().toStdString());
    QVERIFY(!s.is_sharded());
    QCOMPARE(s.source_path(), file);
    QCOMPARE(s.names(), std::vector<std::string>{"x"});
  }

  void single_file_and_precedence() {
    QTemporaryDir dir;
    make_sharded(dir.path());
    // model.safetensors beside the index wins in a directory.
    const std::string single = (dir.path() + "/model.safetensors").toStdString();
    write_safetensors(single, {{"z", torch::zeros({1})}, {"a", torch::ones({2})}}, {{"k", "v"}});
    CheckpointReader d(dir.path().toStdString());
    QVERIFY(!d.is_sharded());
    QVERIFY(d.index_path().empty());
    QCOMPARE(d.names(), (std::vector<std::string>{"z", "a"}));  // header order for a single file
    QCOMPARE(d.metadata().at("k"), std::string("v"));
    QCOMPARE(d.shard_paths(), std::vector<std::string>{single});
    QCOMPARE(d.shard_path_of("a"), single);

    CheckpointReader f(single);
    QCOMPARE(f.source_path(), single);
    QVERIFY(torch::equal(f.tensor("a"), torch::ones({2})));
  }

  void errors_data() {
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("blamed");  // "index", "shard2", "dir" or "missing"
    QTest::addColumn<QStringList>("phrases");
    QTest::newRow("missing shard") << "missing shard" << "shard2"
                                   << QStringList{"model.safetensors.index.json", "cannot be opened", "No such file"};
    QTest::newRow("listed but absent") << "listed but absent" << "index"
                                       << QStringList{"tensor \"ghost\" is listed in weight_map under shard \"model-00002-of-00003.safetensors\"",
                                                      "does not contain it"};
    QTest::newRow("in two shards") << "in two shards" << "index"
                                   << QStringList{"tensor \"encoder.bias\" is present in two shards", "model-00001-of-00003",
                                                  "model-00002-of-00003"};
    QTest::newRow("not listed") << "not listed" << "index"
                                << QStringList{"tensor \"head.scale\" is present in shard", "not listed in weight_map"};
    QTest::newRow("invalid json") << "invalid json" << "index" << QStringList{"index is not valid JSON"};
    QTest::newRow("empty index file") << "empty index file" << "index" << QStringList{"index is not valid JSON"};
    QTest::newRow("index not object") << "index not object" << "index" << QStringList{"index is not a JSON object"};
    QTest::newRow("no weight_map") << "no weight_map" << "index" << QStringList{"has no \"weight_map\""};
    QTest::newRow("weight_map not object") << "weight_map not object" << "index"
                                           << QStringList{"\"weight_map\" is not a JSON object"};
    QTest::newRow("weight_map empty") << "weight_map empty" << "index" << QStringList{"\"weight_map\" is empty"};
    QTest::newRow("shard not string") << "shard not string" << "index"
                                      << QStringList{"weight_map entry for tensor \"encoder.bias\" is not a string"};
    QTest::newRow("metadata not object") << "metadata not object" << "index"
                                         << QStringList{"\"metadata\" is not a JSON object"};
    QTest::newRow("shard escapes dir") << "shard escapes dir" << "index"
                                       << QStringList{"\"../model-00001-of-00003.safetensors\"", "inside the index's directory"};
    QTest::newRow("absolute shard") << "absolute shard" << "index" << QStringList{"inside the index's directory"};
    QTest::newRow("malformed shard") << "malformed shard" << "shard2" << QStringList{"goes beyond the end of the file"};
    QTest::newRow("shard is directory") << "shard is directory" << "shard2" << QStringList{"is a directory"};
    QTest::newRow("empty directory") << "empty directory" << "dir"
                                     << QStringList{"directory holds no safetensors checkpoint", "model.safetensors.index.json"};
    QTest::newRow("nonexistent path") << "nonexistent path" << "missing"
                                      << QStringList{"cannot open checkpoint", "No such file or directory"};
  }

  void errors() {
    QFETCH(QString, fault);
    QFETCH(QString, blamed);
    QFETCH(QStringList, phrases);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.path() + "/ckpt";
    QVERIFY(QDir().mkpath(dir));
    const QString index = dir + "/model.safetensors.index.json";
    const QString shard2 = dir + "/model-00002-of-00003.safetensors";
    std::string open = index.toStdString();
    if (fault != "empty directory") make_sharded(dir);

    auto edit_index = [&](auto&& change) {
      QFile f(index);
      QVERIFY(f.open(QIODevice::ReadOnly));
      nlohmann::json j = nlohmann::json::parse(f.readAll().toStdString());
      f.close();
      change(j);
      write_text(index, QByteArray::fromStdString(j.dump()));
    };
    if (fault == "missing shard") {
      QVERIFY(QFile::remove(shard2));
    } else if (fault == "listed but absent") {
      edit_index([](nlohmann::json& j) { j["weight_map"]["ghost"] = "model-00002-of-00003.safetensors"; });
    } else if (fault == "in two shards") {
      write_safetensors(shard2.toStdString(), {{"decoder.weight", entries()[2].value}, {"decoder.bias", entries()[3].value},
                                               {"encoder.bias", entries()[1].value}});
    } else if (fault == "not listed") {
      edit_index([](nlohmann::json& j) { j["weight_map"].erase("head.scale"); });
    } else if (fault == "invalid json") {
      write_text(index, R"({"weight_map": {"a": "b.safetensors",}})");
    } else if (fault == "empty index file") {
      write_text(index, "");
    } else if (fault == "index not object") {
      write_text(index, R"(["model-00001-of-00003.safetensors"])");
    } else if (fault == "no weight_map") {
      edit_index([](nlohmann::json& j) { j.erase("weight_map"); });
    } else if (fault == "weight_map not object") {
      edit_index([](nlohmann::json& j) { j["weight_map"] = nlohmann::json::array({"a"}); });
    } else if (fault == "weight_map empty") {
      edit_index([](nlohmann::json& j) { j["weight_map"] = nlohmann::json::object(); });
    } else if (fault == "shard not string") {
      edit_index([](nlohmann::json& j) { j["weight_map"]["encoder.bias"] = 1; });
    } else if (fault == "metadata not object") {
      edit_index([](nlohmann::json& j) { j["metadata"] = "x"; });
    } else if (fault == "shard escapes dir") {
      edit_index([](nlohmann::json& j) { j["weight_map"]["encoder.bias"] = "../model-00001-of-00003.safetensors"; });
    } else if (fault == "absolute shard") {
      const std::string abs = (dir + "/model-00001-of-00003.safetensors").toStdString();
      edit_index([&](nlohmann::json& j) { j["weight_map"]["encoder.bias"] = abs; });
    } else if (fault == "malformed shard") {
      QFile f(shard2);
      QVERIFY(f.open(QIODevice::ReadWrite));
      QVERIFY(f.resize(40));  // cut inside the header
    } else if (fault == "shard is directory") {
      QVERIFY(QFile::remove(shard2));
      QVERIFY(QDir().mkdir(shard2));
    } else if (fault == "empty directory") {
      open = dir.toStdString();
    } else if (fault == "nonexistent path") {
      open = (dir + "/nothing-here.safetensors").toStdString();
    } else {
      QFAIL("unknown fault");
    }

    std::string label = index.toStdString();
    if (blamed == "shard2") label = shard2.toStdString();
    if (blamed == "dir" || blamed == "missing") label = open;
    expect_file_error([&] { CheckpointReader r(open); }, label, phrases);
  }

  // Shard names written as "./x" and "x" are the same shard.
  void equivalent_shard_names() {
    QTemporaryDir dir;
    const std::string index = make_sharded(dir.path());
    QFile f(QString::fromStdString(index));
    QVERIFY(f.open(QIODevice::ReadOnly));
    nlohmann::json j = nlohmann::json::parse(f.readAll().toStdString());
    f.close();
    j["weight_map"]["encoder.bias"] = "./model-00001-of-00003.safetensors";
    write_text(QString::fromStdString(index), QByteArray::fromStdString(j.dump()));
    CheckpointReader r(index);
    QCOMPARE(r.shard_count(), size_t(3));
    QVERIFY(torch::equal(r.tensor("encoder.bias"), entries()[1].value));
  }

  // The PixArt transformer in diffusers layout: a directory with diffusion_pytorch_model.safetensors.
  void pixart_transformer_directory() {
    const std::string dir = lorastudio::test::golden_path("pixart/pipeline/transformer");
    const std::string file = dir + "/diffusion_pytorch_model.safetensors";
    LS_REQUIRE_FILE(file);
    CheckpointReader r(dir);
    QVERIFY(!r.is_sharded());
    QCOMPARE(r.source_path(), file);
    const nlohmann::ordered_json header = lorastudio::test::safetensors_header(file);
    QCOMPARE(r.size(), lorastudio::test::safetensors_keys(file).size());
    QCOMPARE(r.metadata().at("format"), header["__metadata__"]["format"].get<std::string>());
    SafetensorsReader direct(file);
    QCOMPARE(r.names(), direct.names());
    for (const auto& name : r.names()) QVERIFY2(torch::equal(r.tensor(name), direct.tensor(name)), name.c_str());
    const std::string key = "adaln_single.emb.timestep_embedder.linear_1.weight";
    QCOMPARE(r.info(key).shape, header[key]["shape"].get<std::vector<int64_t>>());
  }

  void golden_model_directories_data() {
    QTest::addColumn<QString>("relative");
    QTest::newRow("bert") << "models/bert";
    QTest::newRow("gpt2") << "models/gpt2";
    QTest::newRow("pixart vae") << "pixart/pipeline/vae";
    QTest::newRow("pixart text encoder") << "pixart/pipeline/text_encoder";
  }

  void golden_model_directories() {
    QFETCH(QString, relative);
    const std::string dir = lorastudio::test::golden_path(relative.toStdString());
    LS_REQUIRE_FILE(dir);
    CheckpointReader r(dir);
    QVERIFY(r.size() > 0);
    QCOMPARE(r.shard_count(), size_t(1));
    for (const auto& name : r.names()) QCOMPARE(uint64_t(r.tensor(name).numel()), r.info(name).numel());
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestCheckpointReader)
#include "test_checkpoint_reader.moc"
