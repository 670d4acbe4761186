// lora-studio-cli convert PATH --to peft|diffusers|kohya -o OUT
#include <iostream>

#include "app/cli/adapter_loading.h"
#include "app/cli/arg_parser.h"
#include "app/cli/commands.h"

namespace lorastudio::cli {

int run_convert(int argc, char** argv) {
  ArgParser p("convert", "Convert an adapter between formats. ΔW of every module is unchanged.\n"
                         "PEFT writes a directory; diffusers and kohya write OUT/<name>.safetensors, or OUT itself\n"
                         "when it ends in .safetensors.");
  p.positional("PATH", "source adapter (any supported format)")
      .option("--to", "FORMAT", "peft, diffusers or kohya", "", true)
      .option("-o", "OUT", "output directory or file", "", true)
      .option("--component", "NAME", "pipeline component for diffusers/kohya keys when the source names none "
                                     "(default transformer for diffusers, unet for kohya)")
      .option("--alpha", "A", "use this alpha for every module (for sources that store none)");
  if (!p.parse(argc, argv)) return 0;
  const AdapterFormat to = output_format(p.get("--to"), AdapterFormat::Peft);
  LoadedAdapter loaded = load_adapter_for_cli(p.get("PATH"), p.has("--alpha") ? p.get_double("--alpha", 1e-12, 1e12) : 0);
  SaveOptions options;
  options.component = p.get("--component");
  SaveResult r = save_adapter(loaded.adapter, to, p.get("-o"), options);
  for (const auto& n : r.notes) std::cerr << "note: " << n << "\n";
  std::cout << "wrote " << format_name(to) << " adapter (" << loaded.adapter.modules.size() << " modules) to "
            << r.weights_path << "\n";
  return 0;
}

}  // namespace lorastudio::cli
