// safetensors writer -> reader round trips (bit-exact for every dtype), header layout, zero-copy
// views, atomic replacement, and real files from ../shared/golden.
#include <csignal>
#include <cstring>
#include <string>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <sys/resource.h>

#include "core/io/safetensors_header.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/util/error.h"
#include "tests/support/test_paths.h"
#include "tests/support/golden_expectations.h"

using namespace lorastudio;

namespace {

std::string bytes_of(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()) * c.element_size());
}

bool bit_equal(const torch::Tensor& a, const torch::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() && bytes_of(a) == bytes_of(b);
}

std::string read_all(const std::string& path) {
  QFile f(QString::fromStdString(path));
  if (!f.open(QIODevice::ReadOnly)) return {};
  const QByteArray b = f.readAll();
  return std::string(b.constData(), static_cast<size_t>(b.size()));
}

void write_all(const std::string& path, const std::string& bytes) {
  QFile f(QString::fromStdString(path));
  QVERIFY(f.open(QIODevice::WriteOnly));
  QCOMPARE(f.write(bytes.data(), static_cast<qint64>(bytes.size())), qint64(bytes.size()));
}

uint64_t header_length(const std::string& file) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(file[i]);
  return n;
}

// Random bits of every pattern (NaN payloads, infinities, denormals, -0) reinterpreted as `dtype`.
torch::Tensor random_bits(torch::ScalarType dtype, std::vector<int64_t> shape) {
  const int64_t size = c10::elementSize(dtype);
  std::vector<int64_t> byte_shape = shape;
  byte_shape.push_back(size);
  torch::Tensor bytes = torch::randint(0, 256, byte_shape, torch::TensorOptions().dtype(torch::kByte));
  if (dtype == torch::kBool) return bytes.select(-1, 0).remainder(2).to(torch::kBool);
  return bytes.view(dtype).squeeze(-1).reshape(shape);
}

QStringList files_in(const QString& dir) { return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::System); }

}  // namespace

class TestSafetensorsRoundtrip : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    torch::manual_seed(1234);
  }

  void every_dtype_bit_exact_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<QString>("name");
    const std::pair<torch::ScalarType, const char*> rows[] = {
        {torch::kDouble, "F64"}, {torch::kFloat, "F32"}, {torch::kHalf, "F16"}, {torch::kBFloat16, "BF16"},
        {torch::kLong, "I64"},   {torch::kInt, "I32"},   {torch::kShort, "I16"}, {torch::kChar, "I8"},
        {torch::kByte, "U8"},    {torch::kBool, "BOOL"},
    };
    for (const auto& [dt, name] : rows) QTest::newRow(name) << int(dt) << QString(name);
  }

  void every_dtype_bit_exact() {
    QFETCH(int, dtype);
    QFETCH(QString, name);
    const auto dt = static_cast<torch::ScalarType>(dtype);
    std::vector<NamedTensor> tensors = {
        {"matrix", random_bits(dt, {7, 13})},
        {"scalar", random_bits(dt, {})},
        {"empty", torch::empty({0, 4}, torch::TensorOptions().dtype(dt))},
        {"cube", random_bits(dt, {3, 1, 5})},
        {"odd", random_bits(dt, {1})},  // leaves the next offset unaligned for wider dtypes
        {"vector", random_bits(dt, {33})},
    };
    const std::string file = path(("dtype_" + name.toStdString() + ".safetensors").c_str());
    write_safetensors(file, tensors, {{"dtype", name.toStdString()}});
    QCOMPARE(read_all(file), serialize_safetensors(tensors, {{"dtype", name.toStdString()}}));

    SafetensorsReader r(file);
    QCOMPARE(int(r.names().size()), int(tensors.size()));
    for (size_t i = 0; i < tensors.size(); ++i) {
      QCOMPARE(r.names()[i], tensors[i].name);  // header order is the written order
      const StTensorInfo& info = r.info(tensors[i].name);
      QCOMPARE(QString(st_dtype_name(info.dtype)), name);
      QCOMPARE(to_torch_dtype(info.dtype), dt);
      torch::Tensor back = r.tensor(tensors[i].name);
      QVERIFY2(bit_equal(back, tensors[i].tensor), tensors[i].name.c_str());
    }
    QCOMPARE(r.metadata().at("dtype"), name.toStdString());
  }

  void dtype_names_and_sizes() {
    const std::pair<const char*, uint64_t> rows[] = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
                                                     {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
    for (const auto& [n, size] : rows) {
      auto dt = parse_st_dtype(n);
      QVERIFY(dt.has_value());
      QCOMPARE(std::string(st_dtype_name(*dt)), std::string(n));
      QCOMPARE(st_dtype_size(*dt), size);
      QCOMPARE(from_torch_dtype(to_torch_dtype(*dt), "x"), *dt);
      QCOMPARE(int64_t(c10::elementSize(to_torch_dtype(*dt))), int64_t(size));
    }
    QVERIFY(!parse_st_dtype("U16").has_value());
    QVERIFY_THROWS_EXCEPTION(FileError, from_torch_dtype(torch::kComplexFloat, "x"));
  }

  void metadata_roundtrip() {
    const std::map<std::string, std::string> meta = {
        {"format", "pt"}, {"empty", ""}, {"", "empty key"}, {"unicode", "naïve – ✓ 日本"},
        {"quotes", "a \"b\" \\ c\n\t"}, {"json", R"({"nested": [1, 2]})"},
    };
    const std::string file = path("meta.safetensors");
    write_safetensors(file, {{"x", torch::arange(4, torch::kFloat)}}, meta);
    SafetensorsReader r(file);
    QCOMPARE(r.metadata(), meta);
    QVERIFY(torch::equal(r.tensor("x"), torch::arange(4, torch::kFloat)));
  }

  void no_tensors_and_empty_tensors() {
    const std::string none = path("none.safetensors");
    write_safetensors(none, {});
    const std::string bytes = read_all(none);
    QCOMPARE(bytes.size(), size_t(16));  // 8 + "{}" padded to 8
    QCOMPARE(bytes.substr(8), std::string("{}      "));
    SafetensorsReader r(none);
    QVERIFY(r.names().empty());
    QVERIFY(r.metadata().empty());

    const std::string empties = path("empties.safetensors");
    write_safetensors(empties, {{"a", torch::empty({0})}, {"b", torch::empty({2, 0, 3}, torch::kHalf)},
                                {"s", torch::tensor(3.5)}, {"c", torch::zeros({0}, torch::kBool)}});
    SafetensorsReader e(empties);
    QCOMPARE(e.tensor("a").sizes().vec(), std::vector<int64_t>{0});
    QCOMPARE(e.tensor("b").sizes().vec(), (std::vector<int64_t>{2, 0, 3}));
    QCOMPARE(e.tensor("b").scalar_type(), torch::kHalf);
    QCOMPARE(e.tensor("s").dim(), int64_t(0));
    QCOMPARE(e.tensor("s").item<float>(), 3.5f);
    QCOMPARE(e.tensor("c").numel(), int64_t(0));
    QCOMPARE(e.info("a").nbytes(), uint64_t(0));
  }

  void header_padded_and_aligned() {
    for (int len = 1; len <= 17; ++len) {
      const std::string name(static_cast<size_t>(len), 'n');
      const std::string bytes = serialize_safetensors({{name, torch::ones({3}, torch::kDouble)}});
      const uint64_t n = header_length(bytes);
      QCOMPARE((8 + n) % 8, uint64_t(0));
      const std::string header = bytes.substr(8, n);
      const size_t close = header.find_last_of('}');
      QVERIFY(header.find_first_not_of(' ', close + 1) == std::string::npos);  // padding is spaces
      QVERIFY(n - (close + 1) < 8);
      std::vector<uint8_t> raw(bytes.begin(), bytes.end());
      StHeader h = parse_safetensors_header(raw.data(), raw.size(), "<mem>");
      QCOMPARE(h.data_start % 8, uint64_t(0));
      QCOMPARE(h.data_size, uint64_t(24));
    }
  }

  void non_contiguous_inputs() {
    torch::Tensor base = torch::arange(24, torch::kFloat).reshape({4, 6});
    std::vector<NamedTensor> tensors = {{"t", base.t()}, {"slice", base.index({torch::indexing::Slice(), 1})},
                                        {"expanded", torch::tensor({1, 2}, torch::kInt).expand({3, 2})},
                                        {"neg", base.neg()}};
    const std::string file = path("noncontig.safetensors");
    write_safetensors(file, tensors);
    SafetensorsReader r(file);
    for (const auto& nt : tensors) QVERIFY2(torch::equal(r.tensor(nt.name), nt.tensor), nt.name.c_str());
  }

  void zero_copy_view_outlives_reader() {
    const std::string file = path("zerocopy.safetensors");
    torch::Tensor w = torch::randn({64, 32});
    write_safetensors(file, {{"w", w}, {"b", torch::randn({32}, torch::kDouble)}});
    torch::Tensor view;
    {
      SafetensorsReader r(file);
      view = r.tensor("w");
      // Zero-copy: two reads share the same bytes, which lie in the mapping, not in a copy.
      QCOMPARE(r.tensor("w").data_ptr(), view.data_ptr());
      QCOMPARE(reinterpret_cast<uintptr_t>(view.data_ptr()) % 8, uintptr_t(0));
    }
    QVERIFY(QFile::remove(QString::fromStdString(file)));  // the mapping survives the file's removal too
    QVERIFY(torch::equal(view, w));
    QCOMPARE(view.sum().item<float>(), w.sum().item<float>());
    // The mapping is private: writing into a view never reaches the file (and does not crash).
    const std::string file2 = path("private.safetensors");
    write_safetensors(file2, {{"w", w}});
    const std::string before = read_all(file2);
    {
      SafetensorsReader r(file2);
      r.tensor("w").fill_(7.0f);
    }
    QCOMPARE(read_all(file2), before);
  }

  // Hand-made file whose data offsets are not aligned for the dtype: the reader copies.
  void misaligned_offsets_are_copied() {
    std::string header = R"({"pad":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                         R"("d":{"dtype":"F64","shape":[3],"data_offsets":[1,25]},)"
                         R"("h":{"dtype":"BF16","shape":[2],"data_offsets":[25,29]}})";
    while (header.size() % 8) header.push_back(' ');
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    bytes += header;
    bytes.push_back('\x2a');
    const double d[3] = {1.5, -2.25, 1e300};
    bytes.append(reinterpret_cast<const char*>(d), sizeof d);
    const uint16_t h[2] = {0x3f80, 0xc000};  // bf16 1.0, -2.0
    bytes.append(reinterpret_cast<const char*>(h), sizeof h);
    const std::string file = path("misaligned.safetensors");
    write_all(file, bytes);

    SafetensorsReader r(file);
    torch::Tensor td = r.tensor("d");
    QCOMPARE(reinterpret_cast<uintptr_t>(td.data_ptr()) % 8, uintptr_t(0));
    QVERIFY(torch::equal(td, torch::tensor({1.5, -2.25, 1e300}, torch::kDouble)));
    torch::Tensor th = r.tensor("h");
    QCOMPARE(th.scalar_type(), torch::kBFloat16);
    QVERIFY(torch::equal(th.to(torch::kFloat), torch::tensor({1.0f, -2.0f})));
    QCOMPARE(r.tensor("pad").item<uint8_t>(), uint8_t(0x2a));
  }

  // BOOL bytes other than 0/1 are read as true rather than handed to torch as invalid bools.
  void bool_bytes_are_normalised() {
    std::string header = R"({"b":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}})";
    while (header.size() % 8) header.push_back(' ');
    std::string bytes(8, '\0');
    bytes[0] = static_cast<char>(header.size());
    bytes += header + std::string("\x00\x01\x02\xff", 4);
    const std::string file = path("bools.safetensors");
    write_all(file, bytes);
    SafetensorsReader r(file);
    torch::Tensor b = r.tensor("b");
    QCOMPARE(b.scalar_type(), torch::kBool);
    QVERIFY(torch::equal(b, torch::tensor({false, true, true, true})));
    QCOMPARE(bytes_of(b), std::string("\x00\x01\x01\x01", 4));
  }

  void writer_refuses_bad_input() {
    const std::string file = path("refused.safetensors");
    auto refuses = [&](const std::vector<NamedTensor>& t, const std::map<std::string, std::string>& m, const char* phrase) {
      try {
        write_safetensors(file, t, m);
      } catch (const FileError& e) {
        QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(file) + ": "), e.what());
        QVERIFY2(QString(e.what()).contains(phrase), e.what());
        QVERIFY(!QFile::exists(QString::fromStdString(file)));
        return;
      }
      QFAIL(phrase);
    };
    const torch::Tensor x = torch::zeros({2});
    refuses({{"a", x}, {"a", x}}, {}, "duplicate tensor name \"a\"");
    refuses({{"__metadata__", x}}, {}, "cannot be named __metadata__");
    refuses({{"u", torch::Tensor()}}, {}, "is undefined");
    refuses({{"c", torch::zeros({2}, torch::kComplexFloat)}}, {}, "cannot be stored in safetensors");
    refuses({{"q", torch::quantize_per_tensor(x, 0.1, 0, torch::kQInt8)}}, {}, "cannot be stored in safetensors");
    refuses({{std::string("bad\xff", 4), x}}, {}, "valid UTF-8");
    refuses({{"ok", x}}, {{"k", std::string("\xc3", 1)}}, "valid UTF-8");
    QVERIFY(files_in(dir_.path()).filter("refused").isEmpty());
  }

  void sparse_input_is_densified() {
    torch::Tensor dense = torch::tensor({{0.f, 2.f}, {3.f, 0.f}});
    const std::string file = path("sparse.safetensors");
    write_safetensors(file, {{"s", dense.to_sparse()}});
    SafetensorsReader r(file);
    QVERIFY(torch::equal(r.tensor("s"), dense));
  }

  // A failed write over an existing file leaves it byte-identical, with no temporary file beside it.
  void failed_overwrite_keeps_old_file() {
    QTemporaryDir sub;
    QVERIFY(sub.isValid());
    const std::string file = (sub.path() + "/model.safetensors").toStdString();
    write_safetensors(file, {{"w", torch::arange(10, torch::kFloat)}}, {{"v", "1"}});
    const std::string old = read_all(file);
    QVERIFY(!old.empty());

    // 1. Refused before anything is written: an unsupported dtype after a good tensor.
    QVERIFY_THROWS_EXCEPTION(FileError, write_safetensors(file, {{"ok", torch::ones({1000})},
                                                                 {"c", torch::zeros({2}, torch::kComplexDouble)}}));
    QCOMPARE(read_all(file), old);
    QCOMPARE(files_in(sub.path()), QStringList{"model.safetensors"});

    // 2. Failing midway through the bytes: the file-size limit (honoured even for root) makes a
    //    write fail with EFBIG after the temporary file is created and partly written.
    struct rlimit saved {};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 64 * 1024;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    bool threw = false;
    std::string message;
    try {
      write_safetensors(file, {{"big", torch::ones({1 << 20})}});  // 4 MiB of data
    } catch (const FileError& e) {
      threw = true;
      message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    QVERIFY(threw);
    QVERIFY2(QString::fromStdString(message).contains("failed"), message.c_str());
    QVERIFY2(message.rfind(file + ": ", 0) == 0, message.c_str());
    QCOMPARE(read_all(file), old);
    QCOMPARE(files_in(sub.path()), QStringList{"model.safetensors"});

    // 3. The target is a directory: the rename fails, the temporary file is removed.
    const std::string as_dir = (sub.path() + "/adir").toStdString();
    QVERIFY(QDir().mkdir(QString::fromStdString(as_dir)));
    QVERIFY_THROWS_EXCEPTION(FileError, write_safetensors(as_dir, {{"w", torch::ones({4})}}));
    QCOMPARE(files_in(sub.path()), QStringList{"model.safetensors"});

    // And a successful overwrite replaces it.
    write_safetensors(file, {{"w2", torch::zeros({3}, torch::kInt)}});
    SafetensorsReader r(file);
    QCOMPARE(r.names(), std::vector<std::string>{"w2"});
    QCOMPARE(files_in(sub.path()), QStringList{"model.safetensors"});
  }

  // Real files written by the reference implementation (Python safetensors).
  void golden_files_data() {
    QTest::addColumn<QString>("relative");
    QTest::newRow("bert lora") << "models/bert_lora_adapter/adapter_model.safetensors";
    QTest::newRow("gpt2 lora") << "models/gpt2_lora_adapter/adapter_model.safetensors";
    QTest::newRow("bert golden (header not sorted)") << "models/bert/golden.safetensors";
    QTest::newRow("pixart transformer") << "pixart/pipeline/transformer/diffusion_pytorch_model.safetensors";
    QTest::newRow("pixart lora") << "pixart/lora_style/pytorch_lora_weights.safetensors";
    QTest::newRow("bert model") << "models/bert/model.safetensors";
    QTest::newRow("gpt2 model") << "models/gpt2/model.safetensors";
  }

  // Names in the header's own order, metadata and offsets as the file states them (read independently).
  void golden_files() {
    QFETCH(QString, relative);
    const std::string file = lorastudio::test::golden_path(relative.toStdString());
    LS_REQUIRE_FILE(file);
    SafetensorsReader r(file);
    uint64_t header_bytes = 0;
    const nlohmann::ordered_json header = lorastudio::test::safetensors_header(file, &header_bytes);
    QCOMPARE(r.names(), lorastudio::test::safetensors_keys(file));
    QCOMPARE(r.header().data_start, 8 + header_bytes);
    if (header.contains("__metadata__"))
      for (auto it = header["__metadata__"].begin(); it != header["__metadata__"].end(); ++it)
        QCOMPARE(r.metadata().at(it.key()), it.value().get<std::string>());
    for (const auto& name : r.names()) {
      QCOMPARE(r.info(name).shape, header[name]["shape"].get<std::vector<int64_t>>());
      QCOMPARE(r.info(name).begin, header[name]["data_offsets"][0].get<uint64_t>());
      QCOMPARE(r.info(name).end, header[name]["data_offsets"][1].get<uint64_t>());
    }

    std::vector<NamedTensor> all;
    for (const auto& name : r.names()) {
      torch::Tensor t = r.tensor(name);
      QVERIFY(t.is_contiguous());
      QCOMPARE(uint64_t(t.numel()), r.info(name).numel());
      if (t.is_floating_point()) QVERIFY2(torch::isfinite(t).all().item<bool>(), name.c_str());
      all.push_back({name, t});
    }
    // Written again in the same order with the same metadata, the bytes are identical to the
    // reference writer's (same compact JSON, same key order, same space padding).
    const std::string original = read_all(file);
    const std::string rewritten = serialize_safetensors(all, r.metadata());
    QCOMPARE(rewritten.size(), original.size());
    QVERIFY(rewritten == original);
  }

};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestSafetensorsRoundtrip)
#include "test_safetensors_roundtrip.moc"
