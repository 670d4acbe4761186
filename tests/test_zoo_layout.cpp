// ZooLayout: flatten/unflatten round trips (exact, and with magnitude balancing keeping ΔW), mixed
// ranks and components, DoRA, JSON round trips, and errors naming the module that differs.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/util/error.h"
#include "core/zoo/zoo_layout.h"
#include "tests/support/adapter_testing.h"

using namespace lorastudio;

namespace {

std::vector<test::ModuleSpec> mixed_specs() {
  return {{"blocks.0.attn.to_q", 12, 10, 1, 8},
          {"blocks.0.attn.to_k", 12, 10, 4, 8},
          {"blocks.1.ff.proj", 6, 12, 2, 2},
          {"blocks.10.ff.proj", 7, 5, 3, 16}};
}

// |ΔW_a − ΔW_b| bound relative to the size of ΔW (float32 rounding of the balanced factors).
double max_delta_scale(const LoraAdapter& a) {
  double m = 1.0;
  for (const auto& mod : a.modules) m = std::max(m, test::reference_delta(a, mod).abs().max().item<double>());
  return m;
}

template <typename F>
std::string file_error_of(F&& f, std::string* path = nullptr) {
  try {
    f();
  } catch (const FileError& e) {
    if (path) *path = e.path();
    return e.what();
  }
  return "(no FileError)";
}

}  // namespace

class TestZooLayout : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void records_modules_in_adapter_order_with_offsets() {
    const LoraAdapter a = test::random_adapter(mixed_specs(), 1);
    const ZooLayout layout = ZooLayout::from_adapter(a);
    QCOMPARE(layout.modules().size(), size_t(4));
    int64_t offset = 0;
    for (size_t i = 0; i < a.modules.size(); ++i) {
      const auto& ml = layout.modules()[i];
      QCOMPARE(ml.path, a.modules[i].path);
      QCOMPARE(ml.rank, a.modules[i].rank());
      QCOMPARE(ml.offset_A, offset);
      QCOMPARE(ml.offset_B, offset + ml.rank * ml.in_features);
      offset = ml.offset_B + ml.out_features * ml.rank;
    }
    QCOMPARE(layout.dim(), offset);
    QCOMPARE(layout.dim(), a.parameter_count());
  }

  void flatten_puts_A_before_B_row_major() {
    const LoraAdapter a = test::random_adapter(mixed_specs(), 2);
    const ZooLayout layout = ZooLayout::from_adapter(a);
    const torch::Tensor v = layout.flatten(a);
    QCOMPARE(v.scalar_type(), torch::kFloat);
    for (size_t i = 0; i < a.modules.size(); ++i) {
      const auto& ml = layout.modules()[i];
      QVERIFY(torch::equal(v.narrow(0, ml.offset_A, ml.size_A()), a.modules[i].A.reshape(-1)));
      QVERIFY(torch::equal(v.narrow(0, ml.offset_B, ml.size_B()), a.modules[i].B.reshape(-1)));
    }
  }

  void unflatten_is_exact_without_balancing() {
    LoraAdapter a = test::random_adapter(mixed_specs(), 3);
    a.use_rslora = true;
    a.base_model = "PixArt-alpha/PixArt-XL-2-512x512";
    const ZooLayout layout = ZooLayout::from_adapter(a);
    const LoraAdapter b = layout.unflatten(layout.flatten(a));
    QVERIFY(b.use_rslora);
    QCOMPARE(b.base_model, a.base_model);
    QCOMPARE(b.modules.size(), a.modules.size());
    for (size_t i = 0; i < a.modules.size(); ++i) {
      QCOMPARE(b.modules[i].path, a.modules[i].path);
      QCOMPARE(b.modules[i].alpha, a.modules[i].alpha);
      QVERIFY(torch::equal(b.modules[i].A, a.modules[i].A));
      QVERIFY(torch::equal(b.modules[i].B, a.modules[i].B));
    }
    QCOMPARE(test::max_delta_difference(a, b), 0.0);
    // A [1, D] row works too, and the result owns its memory.
    torch::Tensor row = layout.flatten(a).unsqueeze(0);
    const LoraAdapter c = layout.unflatten(row);
    row.zero_();
    QCOMPARE(test::max_delta_difference(a, c), 0.0);
  }

  void balancing_keeps_delta_w_data() {
    QTest::addColumn<double>("scale_A");
    QTest::addColumn<double>("scale_B");
    QTest::newRow("cond-p-diff 0.2 x 200") << 0.2 << 200.0;
    QTest::newRow("0.5 x 4") << 0.5 << 4.0;
    QTest::newRow("3 x 0.01") << 3.0 << 0.01;
    QTest::newRow("identity") << 1.0 << 1.0;
  }
  void balancing_keeps_delta_w() {
    QFETCH(double, scale_A);
    QFETCH(double, scale_B);
    const LoraAdapter a = test::random_adapter(mixed_specs(), 4);
    const ZooLayout layout = ZooLayout::from_adapter(a, {scale_A, scale_B});
    QCOMPARE(layout.balance().scale_A, scale_A);
    const torch::Tensor v = layout.flatten(a);
    const auto& m0 = layout.modules()[0];
    QVERIFY(torch::allclose(v.narrow(0, m0.offset_A, m0.size_A()), a.modules[0].A.reshape(-1) * scale_A, 1e-6, 0));
    QVERIFY(torch::allclose(v.narrow(0, m0.offset_B, m0.size_B()), a.modules[0].B.reshape(-1) * scale_B, 1e-6, 0));
    const LoraAdapter b = layout.unflatten(v);
    const double diff = test::max_delta_difference(a, b);
    QVERIFY2(diff <= 1e-6 * max_delta_scale(a), std::to_string(diff).c_str());
  }

  // The batched path generation uses: unbalance [N, D] at once, then adapters as views of the rows.
  void batched_unbalance_and_views_match_unflatten_data() { balancing_keeps_delta_w_data(); }
  void batched_unbalance_and_views_match_unflatten() {
    QFETCH(double, scale_A);
    QFETCH(double, scale_B);
    const LoraAdapter a = test::random_adapter(mixed_specs(), 6, /*dora=*/true);
    const ZooLayout layout = ZooLayout::from_adapter(a, {scale_A, scale_B});
    std::vector<torch::Tensor> rows;
    for (uint64_t seed = 20; seed < 23; ++seed) rows.push_back(layout.flatten(test::random_adapter(mixed_specs(), seed, true)));
    const torch::Tensor flat = torch::stack(rows);
    const torch::Tensor raw = layout.unbalance(flat);
    QVERIFY(!raw.is_same(flat));
    QVERIFY(torch::equal(flat, torch::stack(rows)));  // the input is left alone
    QVERIFY(torch::equal(raw, layout.unbalance(flat, layout.unbalance_scales())));
    QCOMPARE(layout.unbalance_scales().defined(), !(scale_A == 1.0 && scale_B == 1.0));
    for (int64_t i = 0; i < flat.size(0); ++i) {
      const LoraAdapter viewed = layout.adapter_view(raw[i]);
      const LoraAdapter copied = layout.unflatten(flat[i]);
      QCOMPARE(viewed.modules.size(), copied.modules.size());
      const char* begin = static_cast<const char*>(raw[i].data_ptr());
      for (size_t m = 0; m < viewed.modules.size(); ++m) {
        QVERIFY(torch::equal(viewed.modules[m].A, copied.modules[m].A));  // bit for bit
        QVERIFY(torch::equal(viewed.modules[m].B, copied.modules[m].B));
        QVERIFY(torch::equal(viewed.modules[m].magnitude, copied.modules[m].magnitude));
        const char* p = static_cast<const char*>(viewed.modules[m].B.data_ptr());
        QVERIFY(p >= begin && p < begin + layout.dim() * sizeof(float));  // a view, not a copy
      }
    }
    QVERIFY_EXCEPTION_THROWN(layout.adapter_view(raw[0].to(torch::kDouble)), Error);
    QVERIFY_EXCEPTION_THROWN(layout.adapter_view(raw), Error);
    QVERIFY_EXCEPTION_THROWN(layout.unbalance(torch::zeros({2, layout.dim() - 1})), Error);
  }

  void dora_magnitude_round_trips() {
    const LoraAdapter a = test::random_adapter(mixed_specs(), 5, /*dora=*/true);
    const ZooLayout layout = ZooLayout::from_adapter(a, {0.2, 200});
    QCOMPARE(layout.dim(), a.parameter_count());
    QVERIFY(layout.modules()[0].has_magnitude());
    const LoraAdapter b = layout.unflatten(layout.flatten(a));
    for (size_t i = 0; i < a.modules.size(); ++i) QVERIFY(torch::equal(b.modules[i].magnitude, a.modules[i].magnitude));
  }

  void components_and_pathless_matching() {
    LoraAdapter a = test::random_adapter(mixed_specs(), 6);
    for (auto& m : a.modules) m.component = "transformer";
    a.modules[3].component = "text_encoder";
    const ZooLayout layout = ZooLayout::from_adapter(a);
    QCOMPARE(layout.modules()[3].key(), std::string("text_encoder:blocks.10.ff.proj"));
    // The same LoRA without components (as PEFT files read) and in another order flattens identically.
    LoraAdapter b = a;
    for (auto& m : b.modules) m.component.clear();
    std::swap(b.modules[0], b.modules[2]);
    QCOMPARE(layout.mismatch(b), std::string());
    QVERIFY(torch::equal(layout.flatten(a), layout.flatten(b)));
    const LoraAdapter c = layout.unflatten(layout.flatten(b));
    QCOMPARE(c.modules[0].component, std::string("transformer"));
  }

  void converts_half_precision_factors() {
    LoraAdapter a = test::random_adapter(mixed_specs(), 7);
    const ZooLayout layout = ZooLayout::from_adapter(a);
    LoraAdapter h = a;
    for (auto& m : h.modules) {
      m.A = m.A.to(torch::kBFloat16);
      m.B = m.B.to(torch::kBFloat16);
    }
    const torch::Tensor v = layout.flatten(h);
    QCOMPARE(v.scalar_type(), torch::kFloat);
    QVERIFY(torch::allclose(v, layout.flatten(a), 1e-2, 1e-2));
  }

  void mismatch_names_the_module_data() {
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("expected");
    QTest::newRow("rank") << "rank" << "module blocks.1.ff.proj has rank 5; the zoo's has rank 2";
    QTest::newRow("shape") << "shape" << "module blocks.1.ff.proj is 9x12 (out x in); the zoo's is 6x12";
    QTest::newRow("alpha") << "alpha" << "module blocks.1.ff.proj has alpha 3; the zoo's has alpha 2";
    QTest::newRow("missing") << "missing" << "module blocks.1.ff.proj of the zoo's layout is missing from the adapter";
    QTest::newRow("extra") << "extra" << "module blocks.2.ff.proj is not in the zoo's layout";
    QTest::newRow("renamed") << "renamed" << "module blocks.1.ff.out is not in the zoo's layout";
    QTest::newRow("rslora") << "rslora" << "the adapter uses rsLoRA";
    QTest::newRow("dora") << "dora" << "module blocks.0.attn.to_q is DoRA";
  }
  void mismatch_names_the_module() {
    QFETCH(QString, fault);
    QFETCH(QString, expected);
    const LoraAdapter a = test::random_adapter(mixed_specs(), 8);
    const ZooLayout layout = ZooLayout::from_adapter(a);
    LoraAdapter b = a;
    const std::string f = fault.toStdString();
    if (f == "rank") {
      b.modules[2].A = torch::randn({5, 12});
      b.modules[2].B = torch::randn({6, 5});
    } else if (f == "shape") {
      b.modules[2].B = torch::randn({9, 2});
    } else if (f == "alpha") {
      b.modules[2].alpha = 3;
    } else if (f == "missing") {
      b.modules.erase(b.modules.begin() + 2);
    } else if (f == "extra") {
      b.modules.push_back(b.modules[2]);
      b.modules.back().path = "blocks.2.ff.proj";
    } else if (f == "renamed") {
      b.modules[2].path = "blocks.1.ff.out";
    } else if (f == "rslora") {
      b.use_rslora = true;
    } else if (f == "dora") {
      b.modules[0].magnitude = torch::ones({12});
    }
    QVERIFY(QString::fromStdString(layout.mismatch(b)).contains(expected));
    std::string path;
    const std::string message = file_error_of([&] { layout.flatten(b, "/loras/seed7"); }, &path);
    QCOMPARE(path, std::string("/loras/seed7"));
    QVERIFY2(QString::fromStdString(message).contains("does not match the zoo layout: " + expected), message.c_str());
  }

  void json_round_trip() {
    LoraAdapter a = test::random_adapter(mixed_specs(), 9, true);
    a.modules[1].component = "unet";
    a.fan_in_fan_out = true;
    a.target_modules = {"to_q", "to_k", "proj"};
    const ZooLayout layout = ZooLayout::from_adapter(a, {0.2, 200});
    const nlohmann::json j = nlohmann::json::parse(layout.to_json().dump());
    const ZooLayout back = ZooLayout::from_json(j, "layout.json");
    QCOMPARE(back.difference(layout), std::string());
    QCOMPARE(back.dim(), layout.dim());
    QVERIFY(back.fan_in_fan_out());
    QCOMPARE(back.target_modules(), a.target_modules);
    QVERIFY(torch::equal(back.flatten(a), layout.flatten(a)));
    const auto s = layout.summary_json();
    QCOMPARE(s["modules"].get<int>(), 4);
    QCOMPARE(s["ranks"], nlohmann::json({1, 2, 3, 4}));
  }

  void malformed_json_is_a_file_error_data() {
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("expected");
    QTest::newRow("offset") << "offset" << "offsets do not follow";
    QTest::newRow("dim") << "dim" << "dim: 5 but the modules add up to";
    QTest::newRow("version") << "version" << "layout version 7";
    QTest::newRow("format") << "format" << "not a zoo layout";
    QTest::newRow("rank type") << "rank type" << "modules[0].rank: expected an integer, got a string";
    QTest::newRow("duplicate") << "duplicate" << "appears twice";
    QTest::newRow("balance") << "balance" << "balance scales must be finite and non-zero";
  }
  void malformed_json_is_a_file_error() {
    QFETCH(QString, fault);
    QFETCH(QString, expected);
    const ZooLayout layout = ZooLayout::from_adapter(test::random_adapter(mixed_specs(), 10));
    nlohmann::json j = layout.to_json();
    const std::string f = fault.toStdString();
    if (f == "offset") j["modules"][1]["offset_B"] = j["modules"][1]["offset_B"].get<int64_t>() + 1;
    if (f == "dim") j["dim"] = 5;
    if (f == "version") j["version"] = 7;
    if (f == "format") j["format"] = "something-else";
    if (f == "rank type") j["modules"][0]["rank"] = "one";
    if (f == "duplicate") j["modules"][1]["path"] = j["modules"][0]["path"];
    if (f == "balance") j["balance"]["scale_B"] = 0.0;
    std::string path;
    const std::string message = file_error_of([&] { ZooLayout::from_json(j, "/zoo/layout.json"); }, &path);
    QCOMPARE(path, std::string("/zoo/layout.json"));
    QVERIFY2(QString::fromStdString(message).contains(expected), message.c_str());
  }

  void unflatten_rejects_wrong_shapes() {
    const ZooLayout layout = ZooLayout::from_adapter(test::random_adapter(mixed_specs(), 11));
    QVERIFY_EXCEPTION_THROWN(layout.unflatten(torch::zeros({layout.dim() + 1})), Error);
    QVERIFY_EXCEPTION_THROWN(layout.unflatten(torch::zeros({2, layout.dim()})), Error);
    QVERIFY_EXCEPTION_THROWN(layout.unflatten(torch::zeros({layout.dim()}, torch::kLong)), Error);
  }

  void rejects_invalid_balance() {
    const LoraAdapter a = test::random_adapter(mixed_specs(), 12);
    QVERIFY_EXCEPTION_THROWN(ZooLayout::from_adapter(a, {0.0, 1.0}), FileError);
    QVERIFY_EXCEPTION_THROWN(ZooLayout::from_adapter(a, {1.0, std::nan("")}), FileError);
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestZooLayout)
#include "test_zoo_layout.moc"
