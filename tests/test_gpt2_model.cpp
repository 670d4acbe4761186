// GPT-2 against transformers' GPT2LMHeadModel in $LORASTUDIO_GOLDEN/models/gpt2: logits (a slice, their argmax
// and logsumexp) at the unpadded positions, greedy generation through the key/value cache, and the PEFT adapter of
// models/gpt2_lora_adapter (Conv1D, fan_in_fan_out) merged and unmerged.
#include <QtTest/QtTest>

#include "core/formats/adapter_io.h"
#include "core/models/gpt2_model.h"
#include "core/models/model_adapters.h"
#include "tests/support/model_golden.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::models;

namespace {

struct LogitErrors {
  double slice = 0, logsumexp = 0;
  bool argmax_equal = false;
};

LogitErrors compare(Gpt2Model& model, const test::ModelGolden& g, const std::string& prefix, bool with_mask = true) {
  torch::NoGradGuard no_grad;
  auto mask = g["attention_mask"];
  auto logits = model->forward(g["input_ids"], with_mask ? mask : torch::Tensor());
  auto golden_slice = g[prefix + "/slice0_1024"];
  LogitErrors e;
  e.slice = test::max_abs_difference(logits.narrow(-1, 0, golden_slice.size(-1)), golden_slice, mask.unsqueeze(-1));
  e.logsumexp = test::max_abs_difference(logits.logsumexp(-1), g[prefix + "/logsumexp"], mask);
  auto real = mask.to(torch::kBool);
  e.argmax_equal = torch::equal(logits.argmax(-1).masked_select(real), g[prefix + "/argmax"].masked_select(real));
  return e;
}

}  // namespace

class TestGpt2Model : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void logits_match_transformers() {
    test::ModelGolden g = test::model_golden("gpt2");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    Gpt2Model model = load_gpt2(g.dir);
    LogitErrors e = compare(model, g, "logits");
    qInfo("max error: logits %.3g, logsumexp %.3g (tolerance %.3g)", e.slice, e.logsumexp, g.tolerance);
    QVERIFY(e.slice <= g.tolerance);
    QVERIFY(e.logsumexp <= g.tolerance);
    QVERIFY(e.argmax_equal);
    // The check can fail: the adapter's logits are not the base model's.
    QVERIFY(compare(model, g, "logits_with_lora").slice > 10 * g.tolerance);
  }

  void greedy_generation_through_the_cache() {
    test::ModelGolden g = test::model_golden("gpt2");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    Gpt2Model model = load_gpt2(g.dir);
    auto prompt = g["greedy_prompt"], expected = g["greedy_output"];
    GenerationOptions o;
    o.max_new_tokens = expected.size(1) - prompt.size(1);
    auto out = generate(model, prompt, o);
    QCOMPARE(out.sizes(), expected.sizes());
    QVERIFY(torch::equal(out, expected));
    // The cache gives what recomputing the whole sequence gives.
    torch::NoGradGuard no_grad;
    auto full = model->forward(out.narrow(1, 0, out.size(1) - 1)).argmax(-1).narrow(1, prompt.size(1) - 1, o.max_new_tokens);
    QVERIFY(torch::equal(full, out.narrow(1, prompt.size(1), o.max_new_tokens)));
    // Sampling is reproducible from its seed and stays in the vocabulary.
    o.sample = true;
    o.top_k = 50;
    o.top_p = 0.9;
    o.seed = 7;
    o.stop_at_eos = false;
    auto a = generate(model, prompt, o), b = generate(model, prompt, o);
    QVERIFY(torch::equal(a, b));
    QVERIFY(a.max().item<int64_t>() < model->config().vocab_size);
  }

  void peft_adapter_data() {
    QTest::addColumn<QString>("mode");
    QTest::newRow("merged") << "merged";
    QTest::newRow("unmerged") << "unmerged";
  }
  void peft_adapter() {
    QFETCH(QString, mode);
    test::ModelGolden g = test::model_golden("gpt2");
    const std::string adapter_dir = test::golden_path("models/gpt2_lora_adapter");
    LS_REQUIRE_FILE(g.dir + "/model.safetensors");
    LS_REQUIRE_FILE(adapter_dir + "/adapter_config.json");
    Gpt2Model model = load_gpt2(g.dir);
    LoadedAdapter loaded = load_adapter(adapter_dir);
    QVERIFY(loaded.adapter.fan_in_fan_out);
    {
      AttachedAdapter lora(*model, loaded.adapter, adapter_mode_from_string(mode.toStdString()));
      LogitErrors e = compare(model, g, "logits_with_lora");
      qInfo("%s: max error with the adapter %.3g", qPrintable(mode), e.slice);
      QVERIFY(e.slice <= g.tolerance);
      QVERIFY(e.logsumexp <= g.tolerance);
      QVERIFY(e.argmax_equal);
    }
    QVERIFY(compare(model, g, "logits").slice <= g.tolerance);
  }
};

LORASTUDIO_TEST_MAIN(TestGpt2Model)
#include "test_gpt2_model.moc"
