// lora-studio-cli bench preview: preview updates a second while λ is dragged, with the style demo.
#include <iostream>

#include "app/cli/bench_options.h"
#include "app/cli/cli_output.h"
#include "core/bench/preview_bench.h"
#include "core/style/style_demo.h"

namespace lorastudio::cli {

int run_preview_bench_command(int argc, char** argv) {
  ArgParser p("bench preview",
              "The interpolation panel's preview rate: two adapters generated with the style demo, λ swept from -0.25\n"
              "to 1.25 as a drag would, rendered through the style world's preview provider (draft size while\n"
              "dragging, then the same sweep at full size), against interpolate() + stylize() per update.");
  p.option("--demo", "NAME|DIR", "the style demo bundle", "style-procedural")
      .option("--style-a", "NAME", "one end's style (default: the demo's first)")
      .option("--style-b", "NAME", "the other end's style (default: one from the middle of the list)")
      .option("--updates", "N", "λ values in the sweep", "60")
      .option("--subject", "N", "which preview photo", "0")
      .flag("--quiet", "no progress lines on stderr")
      .option("--json", "FILE", "write the results as JSON to FILE");
  if (!p.parse(argc, argv)) return 0;
  PreviewBenchOptions o;
  o.demo_dir = find_demo_bundle(p.get("--demo"), LORASTUDIO_MODELS_DIR);
  o.style_a = p.get("--style-a");
  o.style_b = p.get("--style-b");
  o.updates = static_cast<int>(p.get_int("--updates", 2, 100000));
  o.subject = static_cast<int>(p.get_int("--subject", 0, 1000));
  o.progress = progress_option(p);
  const nlohmann::json j = run_preview_bench(o);
  const auto& ours = j["ours"];
  std::cout << "λ preview (" << j["styles"][0].get<std::string>() << " to " << j["styles"][1].get<std::string>() << " on "
            << j["subject"].get<std::string>() << ", " << o.updates << " updates, "
            << j["environment"]["threads"].get<int>() << " threads)\n"
            << "  ours, dragging (" << ours["draft_size"].get<std::string>() << "): "
            << format_double(ours["updates_per_second"].get<double>(), 4) << " updates/s\n"
            << "  ours, full size (" << ours["full_size"].get<std::string>() << "): "
            << format_double(ours["full_updates_per_second"].get<double>(), 4) << " updates/s\n"
            << "  peer, interpolate + stylize: " << format_double(j["peer"]["updates_per_second"].get<double>(), 4)
            << " updates/s\n  speed-up at the same size " << format_double(j["speedup_same_size"].get<double>(), 3)
            << "x, while dragging " << format_double(j["speedup_while_dragging"].get<double>(), 3) << "x (target 10 updates/s: "
            << (j["meets_target"].get<bool>() ? "met" : "NOT met") << ")\n";
  write_json_option(p, j);
  return 0;
}

}  // namespace lorastudio::cli
