// lora-studio-cli run-model DIR --text "…" [--adapter A]: one quick pass of a Hugging Face model folder — a
// classifier's logits and label, GPT-2's continuation, CLIP's or T5's embedding summary.
#include <iomanip>
#include <iostream>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "core/formats/adapter_io.h"
#include "core/models/bert_model.h"
#include "core/models/clip_text_model.h"
#include "core/models/gpt2_model.h"
#include "core/models/model_adapters.h"
#include "core/models/t5_encoder.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"

namespace lorastudio::cli {

namespace {

torch::Tensor row(const std::vector<int64_t>& ids) {
  return torch::tensor(ids, torch::kLong).unsqueeze(0);
}

void print_values(const std::string& label, const torch::Tensor& v, int64_t most = 8) {
  std::cout << label << " [" << v.numel() << "]:";
  for (int64_t i = 0; i < std::min<int64_t>(most, v.numel()); ++i) std::cout << " " << format_double(v[i].item<double>(), 5);
  std::cout << (v.numel() > most ? " …" : "") << "  (norm " << format_double(v.norm().item<double>(), 5) << ")\n";
}

std::string label_name(const models::HfConfig& hf, int64_t index) {
  const std::string key = std::to_string(index);
  if (hf.json.contains("id2label") && hf.json["id2label"].contains(key)) return hf.json["id2label"][key];
  return "LABEL_" + key;
}

void run_classifier(const std::string& dir, const ArgParser& p, const text::Tokenizer& tok,
                    const std::optional<LoraAdapter>& adapter, models::AdapterMode mode) {
  auto model = models::load_bert_classifier(dir);
  std::unique_ptr<models::AttachedAdapter> lora;
  if (adapter) lora = std::make_unique<models::AttachedAdapter>(*model, *adapter, mode);
  text::Encoding e = p.has("--pair") ? tok.encode_pair(p.get("--text"), p.get("--pair")) : tok.encode(p.get("--text"));
  torch::NoGradGuard no_grad;
  auto logits = model->forward(row(e.ids), row(e.attention_mask), row(e.type_ids))[0];
  std::cout << "tokens: " << e.size() << "\n";
  print_values("logits", logits);
  const int64_t best = logits.argmax().item<int64_t>();
  std::cout << "label: " << best << " (" << label_name(models::read_hf_config(dir), best) << "), p = "
            << format_double(logits.softmax(0)[best].item<double>(), 4) << "\n";
}

void run_gpt2(const std::string& dir, const ArgParser& p, const text::Tokenizer& tok,
              const std::optional<LoraAdapter>& adapter, models::AdapterMode mode) {
  auto model = models::load_gpt2(dir);
  std::unique_ptr<models::AttachedAdapter> lora;
  if (adapter) lora = std::make_unique<models::AttachedAdapter>(*model, *adapter, mode);
  text::Encoding e = tok.encode(p.get("--text"));
  if (e.ids.empty()) throw UsageError("--text: GPT-2 needs at least one token to continue");
  models::GenerationOptions o;
  o.max_new_tokens = p.get_int("--max-new-tokens", 1, 4096);
  o.sample = p.has("--sample");
  o.seed = static_cast<uint64_t>(p.get_int("--seed", 0));
  auto out = models::generate(model, row(e.ids), o)[0];
  std::vector<int64_t> ids(out.data_ptr<int64_t>(), out.data_ptr<int64_t>() + out.numel());
  std::cout << "prompt tokens: " << e.size() << ", new tokens: " << ids.size() - e.size() << "\n"
            << "text: " << tok.decode(ids) << "\n";
}

}  // namespace

int run_run_model(int argc, char** argv) {
  ArgParser p("run-model",
              "One pass of a Hugging Face model folder (config.json, model.safetensors and its tokenizer files):\n"
              "BERT/RoBERTa classifiers print logits and the label, GPT-2 continues the text, CLIP's text encoder\n"
              "and T5's encoder print their embedding.");
  p.positional("DIR", "the model folder")
      .option("--text", "TEXT", "the input text")
      .option("--pair", "TEXT", "classifiers: the second text of a sentence pair")
      .option("--adapter", "PATH", "a PEFT LoRA adapter to apply")
      .option("--mode", "MODE", "merged or unmerged (the adapter at run time)", "merged")
      .option("--max-new-tokens", "N", "GPT-2: tokens to generate", "20")
      .flag("--sample", "GPT-2: sample instead of greedy decoding")
      .option("--seed", "N", "GPT-2 sampling seed", "0");
  if (!p.parse(argc, argv)) return 0;
  if (!p.has("--text")) throw UsageError("--text is required");
  const std::string dir = p.get("DIR");
  models::HfConfig hf = models::read_hf_config(dir);
  auto tok = text::load_tokenizer(dir);
  std::optional<LoraAdapter> adapter;
  if (p.has("--adapter")) adapter = load_adapter(p.get("--adapter")).adapter;
  const auto mode = models::adapter_mode_from_string(p.get("--mode"));
  std::cout << "model: " << dir << " (" << (hf.model_type.empty() ? "?" : hf.model_type) << "), tokenizer "
            << text::to_string(tok->kind()) << (adapter ? ", adapter " + p.get("--adapter") + " " + p.get("--mode") : "")
            << "\n";
  if (hf.model_type == "bert" || hf.model_type == "roberta") {
    run_classifier(dir, p, *tok, adapter, mode);
  } else if (hf.model_type == "gpt2") {
    run_gpt2(dir, p, *tok, adapter, mode);
  } else if (hf.model_type == "clip_text_model" || hf.model_type == "clip") {
    auto model = models::load_clip_text_model(dir);
    torch::NoGradGuard no_grad;
    auto e = tok->encode(p.get("--text"), {true, model->config().max_positions, false});
    print_values("text_embeds", model->forward(row(e.ids)).text_embeds[0]);
  } else if (hf.model_type == "t5") {
    auto model = models::load_t5_encoder(dir);
    torch::NoGradGuard no_grad;
    auto e = tok->encode(p.get("--text"));
    print_values("mean hidden state", model->forward(row(e.ids)).mean(1)[0]);
  } else {
    throw FileError(hf.path, "describes a '" + hf.model_type +
                                 "' model; run-model reads bert, roberta, gpt2, clip_text_model and t5");
  }
  return 0;
}

}  // namespace lorastudio::cli
