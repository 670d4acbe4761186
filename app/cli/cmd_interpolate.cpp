// lora-studio-cli interpolate A B --lambda 0.3 -o OUT
#include <iostream>

#include "app/cli/adapter_loading.h"
#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "core/math/lora_mixing.h"

namespace lorastudio::cli {

int run_interpolate(int argc, char** argv) {
  ArgParser p("interpolate",
              "Exact interpolation (1-λ)·ΔW_A + λ·ΔW_B, written as one adapter of rank r_A + r_B (no regeneration,\n"
              "no approximation). With --rank r the result is compressed to rank r by truncated SVD and the error\n"
              "is reported.");
  p.positional("A", "first adapter (λ = 0)")
      .positional("B", "second adapter (λ = 1)")
      .option("--lambda", "λ", "interpolation weight of B", "0.5")
      .option("-o", "OUT", "output adapter", "", true)
      .option("--format", "FORMAT", "output format (default: A's format)")
      .option("--rank", "R", "compress to rank R by truncated SVD (default: exact rank r_A + r_B)")
      .option("--component", "NAME", "pipeline component for diffusers/kohya output");
  if (!p.parse(argc, argv)) return 0;
  const double lambda = p.get_double("--lambda", -10.0, 10.0);
  LoadedAdapter a = load_adapter_for_cli(p.get("A"));
  LoadedAdapter b = load_adapter_for_cli(p.get("B"));
  LoraAdapter out;
  double error = 0;
  if (p.has("--rank")) {
    SoupResult s = delta_soup({&a.adapter, &b.adapter}, p.get_int("--rank", 1, 65536), {1.0 - lambda, lambda});
    out = std::move(s.adapter);
    error = s.relative_error;
  } else {
    out = interpolate(a.adapter, b.adapter, lambda);
  }
  out.provenance["operation"] = "interpolate";
  out.provenance["sources"] = p.get("A") + " | " + p.get("B");
  out.provenance["lambda"] = format_double(lambda, 6);
  SaveOptions options;
  options.component = p.get("--component");
  const AdapterFormat format = output_format(p.get("--format"), a.format);
  SaveResult r = save_adapter(out, format, p.get("-o"), options);
  for (const auto& n : r.notes) std::cerr << "note: " << n << "\n";
  std::cout << "wrote interpolation λ=" << format_double(lambda, 4) << " (" << out.modules.size() << " modules, rank "
            << (out.modules.empty() ? 0 : out.modules.front().rank()) << ") to " << r.weights_path << "\n";
  if (p.has("--rank")) std::cout << "relative ΔW error of the rank-" << p.get("--rank") << " compression: "
                                 << format_double(error, 4) << "\n";
  return 0;
}

}  // namespace lorastudio::cli
