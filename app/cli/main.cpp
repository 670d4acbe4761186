// lora-studio-cli: headless LoRA Studio.
#include <cstring>
#include <iostream>
#include <string>

#include <c10/util/Exception.h>

#include "app/cli/arg_parser.h"
#include "app/cli/commands.h"
#include "core/util/blas_kernels.h"
#include "core/util/cpu_threads.h"
#include "core/util/error.h"
#include "core/util/version.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int, char**);
};

const Command kCommands[] = {
    {"inspect", "show an adapter's format, modules, ranks, alphas, parameter count and norms",
     lorastudio::cli::run_inspect},
    {"convert", "convert an adapter between PEFT, diffusers and kohya formats", lorastudio::cli::run_convert},
    {"interpolate", "exact (1-λ)ΔW_A + λΔW_B as one adapter of rank r_A + r_B", lorastudio::cli::run_interpolate},
    {"soup", "average adapters in ΔW space, compressed back to rank r by truncated SVD", lorastudio::cli::run_soup},
    {"compare", "per-module cosine similarity and distance between two adapters", lorastudio::cli::run_compare},
    {"train", "train a conditional LoRA generator on a zoo (autoencoder, then latent diffusion)",
     lorastudio::cli::run_train},
    {"generate", "generate LoRA adapters for a text or image condition", lorastudio::cli::run_generate},
    {"bench", "benchmarks (lora: merge and interpolation throughput), results as JSON", lorastudio::cli::run_bench},
    {"zoo", "build and inspect LoRA zoos", lorastudio::cli::run_zoo},
    {"run-model", "one pass of a Hugging Face model folder: logits and label, generated text, embeddings",
     lorastudio::cli::run_run_model},
    {"memorization", "memorisation report of existing adapters against a zoo (copies, nearest tasks, noise baselines)",
     lorastudio::cli::run_memorization},
    {"pretrain-stylizer", "pretrain the style world's stylizer on the fetched photos (weights, held-out PSNR)",
     lorastudio::cli::run_pretrain_stylizer},
    {"harvest-styles", "fine-tune a LoCon style LoRA per style and write their last checkpoints as zoos",
     lorastudio::cli::run_harvest_styles},
    {"evaluate", "the style world's Table 2: generated style LoRAs against originals, soups and controls",
     lorastudio::cli::run_evaluate},
    {"styles", "the style world's styles: list, contact sheet on a photo, what a reference image defines",
     lorastudio::cli::run_styles},
    {"pretrain-bert", "pretrain a small BERT from scratch (masked LM + next sentence on the GLUE training text)",
     lorastudio::cli::run_pretrain_bert},
    {"harvest-glue", "LoRA fine-tuning on GLUE tasks, the last checkpoints of each written as a zoo",
     lorastudio::cli::run_harvest_glue},
    {"evaluate-glue", "Cond P-Diff's Table 1 on GLUE: generated LoRAs against originals, soups and a control",
     lorastudio::cli::run_evaluate_glue},
    {"evaluate-text", "the text world's Table 1: generated LoRAs against originals, soups, held-out baselines, controls",
     lorastudio::cli::run_evaluate_text},
    {"recipe", "run a recipe (photos to demo bundle) stage by stage, resumably; show its state",
     lorastudio::cli::run_recipe},
};

// The first line of a message (LibTorch appends a stack trace after it).
std::string first_line(const std::string& message) {
  const auto end = message.find('\n');
  return end == std::string::npos ? message : message.substr(0, end);
}

void print_help() {
  std::cout << "Usage: lora-studio-cli COMMAND [ARGS...]\n\n"
               "LoRA Studio " << lorastudio::kVersion << ", headless: inspect, convert and mix LoRA adapters.\n\n"
               "Commands:\n";
  for (const auto& c : kCommands) {
    std::string n = c.name;
    std::cout << "  " << n << std::string(n.size() < 14 ? 14 - n.size() : 1, ' ') << c.summary << "\n";
  }
  std::cout << "\nRun 'lora-studio-cli COMMAND --help' for a command's options.\n"
               "Other options: --help, --version\n";
}

}  // namespace

int main(int argc, char** argv) {
  lorastudio::use_best_blas_kernels(argv);  // may re-execute the program (see blas_kernels.h)
  lorastudio::use_all_cores();
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    print_help();
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::cout << "lora-studio-cli " << lorastudio::kVersion << "\n";
    return 0;
  }
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc - 2, argv + 2);
    } catch (const lorastudio::cli::UsageError& e) {
      std::cerr << "lora-studio-cli " << c.name << ": " << e.what() << "\n";
      return 2;
    } catch (const lorastudio::Error& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    } catch (const c10::Error& e) {
      // LibTorch's messages carry a C++ stack trace: keep only the message, which names the operation.
      std::cerr << "error: " << first_line(e.what_without_backtrace()) << "\n";
      return 1;
    } catch (const std::bad_alloc&) {
      std::cerr << "error: out of memory\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "error: " << first_line(e.what()) << "\n";
      return 1;
    }
  }
  std::cerr << "lora-studio-cli: unknown command '" << argv[1] << "' (see 'lora-studio-cli --help')\n";
  return 2;
}
