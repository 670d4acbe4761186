// lora-studio-cli pretrain-bert --data GLUE --vocab vocab.txt -o DIR [--tasks …] [--layers N --hidden H …]
// Pretrains a small BERT from scratch (masked LM + next-sentence prediction) on the GLUE training text (the vocabulary trimmed
// to what that text uses) and writes a Hugging Face folder that harvest-glue, run-model and transformers read.
#include <iostream>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "app/cli/device_option.h"
#include "app/cli/progress_bar.h"
#include "core/glue/mlm_pretraining.h"

namespace lorastudio::cli {
namespace {

glue::MlmOptions options_from(const ArgParser& p) {
  glue::MlmOptions o;
  o.model.num_layers = p.get_int("--layers", 1, 48);
  o.model.hidden_size = p.get_int("--hidden", 8, 4096);
  o.model.num_heads = p.get_int("--heads", 1, 64);
  if (o.model.hidden_size % o.model.num_heads) throw UsageError("--heads: must divide --hidden");
  o.model.intermediate_size = p.has("--intermediate") ? p.get_int("--intermediate", 8, 65536) : 4 * o.model.hidden_size;
  o.max_length = p.get_int("--max-length", 8, 512);
  o.model.max_positions = o.max_length;
  o.steps = p.get_int("--steps", 1, 10000000);
  o.batch = p.get_int("--batch", 1, 4096);
  o.lr = p.get_double("--lr", 1e-8, 1.0);
  o.seed = static_cast<uint64_t>(p.get_int("--seed", 0, LLONG_MAX));
  o.out_dir = p.get("-o");
  o.device = device_option(p).str();
  return o;
}

std::vector<glue::GlueTask> tasks_from(const std::string& list) {
  std::vector<glue::GlueTask> tasks;
  for (const auto& name : split_commas(list)) tasks.push_back(glue::glue_task_from_string(name));
  if (tasks.empty()) throw UsageError("--tasks: name at least one GLUE task");
  return tasks;
}

}  // namespace

int run_pretrain_bert(int argc, char** argv) {
  ArgParser p("pretrain-bert",
              "Pretrain a small BERT from scratch (masked-language modelling and next-sentence prediction) on the GLUE\n"
              "training text, with a WordPiece vocabulary trimmed to the tokens that text uses; writes config.json,\n"
              "model.safetensors and vocab.txt into DIR (a Hugging Face folder: harvest-glue, run-model and transformers\n"
              "read it).");
  p.option("--data", "GLUE", "the GLUE folder (CoLA/train.tsv, SST-2/train.tsv, …)", "", true)
      .option("--vocab", "FILE", "a WordPiece vocab.txt to trim (e.g. bert-base-uncased's)", "", true)
      .option("-o", "DIR", "output model folder", "", true)
      .option("--tasks", "A,B,...", "whose training text to learn from", "CoLA,SST-2,MRPC,RTE,STS-B,WNLI")
      .option("--layers", "N", "transformer layers", "2")
      .option("--hidden", "H", "hidden size", "128")
      .option("--heads", "N", "attention heads", "2")
      .option("--intermediate", "N", "feed-forward size (default 4·hidden)")
      .option("--max-length", "N", "tokens per text (and position embeddings)", "64")
      .option("--steps", "N", "training steps", "3000")
      .option("--batch", "N", "texts per step", "64")
      .option("--lr", "LR", "AdamW peak learning rate (warm-up, then linear decay)", "0.001")
      .option("--seed", "SEED", "random seed", "0")
      .option("--device", "DEV", "cpu or cuda", "cpu");
  if (!p.parse(argc, argv)) return 0;
  const glue::MlmOptions o = options_from(p);
  const auto corpus = glue::glue_training_corpus(p.get("--data"), tasks_from(p.get("--tasks")));
  const auto vocabulary = glue::trim_wordpiece_vocabulary(p.get("--vocab"), corpus);
  std::cerr << corpus.size() << " texts; vocabulary trimmed to " << vocabulary.size() << " tokens\n";
  watch_interrupts();
  ProgressBar bar;
  const glue::MlmResult r = glue::pretrain_mlm(corpus, vocabulary, o, [&](int64_t step, int64_t total, double loss) {
    bar.update(step, total, "loss (masked LM + next sentence) " + format_double(loss, 4));
    return !interrupted();
  });
  bar.finish();
  if (r.cancelled) {
    std::cerr << "cancelled: no model written\n";
    return 130;
  }
  std::cout << "wrote " << o.out_dir << ": " << format_count(r.parameters) << " parameters, " << o.model.num_layers
            << " layers, hidden " << o.model.hidden_size << "\n  final loss " << format_double(r.final_loss, 4)
            << ", masked-token accuracy on held-back text " << format_double(100 * r.masked_accuracy, 3)
            << "%, next-sentence accuracy " << format_double(100 * r.next_sentence_accuracy, 3) << "%\n";
  return 0;
}

}  // namespace lorastudio::cli
