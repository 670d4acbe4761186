// lora-studio-cli interpolate A B --lambda 0.3 -o OUT
// lora-studio-cli interpolate A B --preview PHOTO --stylizer W [--steps 7] [--sheet OUT.png] [--styles SA,SB]
#include <iostream>
#include <sstream>

#include "app/cli/adapter_loading.h"
#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "core/imaging/contact_sheet.h"
#include "core/imaging/image_io.h"
#include "core/imaging/photo_set.h"
#include "core/math/lora_mixing.h"
#include "core/style/style_interpolation.h"
#include "core/style/style_world.h"
#include "core/style/stylizer_file.h"

namespace lorastudio::cli {

namespace {

// Style names "A,B" looked up in the style suite (the fetched photos provide its reference images).
std::pair<std::optional<Style>, std::optional<Style>> known_styles(const ArgParser& p) {
  if (!p.has("--styles")) return {};
  const std::string list = p.get("--styles");
  const auto comma = list.find(',');
  if (comma == std::string::npos) throw UsageError("--styles: expected two style names, \"A,B\"");
  const StyleWorld world = StyleWorld::open(p.has("--photos") ? p.get("--photos") : PhotoSet::default_dir());
  return {world.style(list.substr(0, comma)), world.style(list.substr(comma + 1))};
}

int preview_strip(const ArgParser& p, const LoraAdapter& a, const LoraAdapter& b) {
  if (!p.has("--stylizer")) throw UsageError("--preview: needs --stylizer (the base model of style LoRAs)");
  Stylizer stylizer = load_stylizer(p.get("--stylizer"));
  const torch::Tensor photo = fit_image(load_photo_argument(p.get("--preview"), p.has("--photos") ? p.get("--photos") : PhotoSet::default_dir()), p.get_int("--size", 16, 2048));
  const auto [sa, sb] = known_styles(p);
  const int steps = static_cast<int>(p.get_int("--steps", 2, 101));
  const auto frames = interpolation_strip(stylizer, a, b, photo, steps, sa ? &*sa : nullptr, sb ? &*sb : nullptr);
  std::vector<SheetTile> tiles;
  std::cout << "  λ       PSNR to A   PSNR to B\n";
  for (const auto& f : frames) {
    tiles.push_back({f.image, "lambda " + format_double(f.lambda, 3)});
    std::cout << "  " << pad_right(format_double(f.lambda, 3), 8) << pad_right(sa ? format_double(f.psnr_a, 4) + " dB" : "-", 12)
              << (sb ? format_double(f.psnr_b, 4) + " dB" : "-") << "\n";
  }
  if (p.has("--sheet")) {
    save_rgb_image(p.get("--sheet"), contact_sheet(tiles));
    std::cout << "wrote " << p.get("--sheet") << "\n";
  }
  return 0;
}

}  // namespace

int run_interpolate(int argc, char** argv) {
  ArgParser p("interpolate",
              "Exact interpolation (1-λ)·ΔW_A + λ·ΔW_B, written as one adapter of rank r_A + r_B (no regeneration,\n"
              "no approximation). With --rank r the result is compressed to rank r by truncated SVD and the error\n"
              "is reported.");
  p.positional("A", "first adapter (λ = 0)")
      .positional("B", "second adapter (λ = 1)")
      .option("--lambda", "λ", "interpolation weight of B", "0.5")
      .option("-o", "OUT", "output adapter")
      .option("--format", "FORMAT", "output format (default: A's format)")
      .option("--rank", "R", "compress to rank R by truncated SVD (default: exact rank r_A + r_B)")
      .option("--component", "NAME", "pipeline component for diffusers/kohya output")
      .option("--preview", "PHOTO", "style LoRAs: show the stylizer's output on PHOTO (a file or a photo set name) across λ")
      .option("--stylizer", "FILE", "the stylizer the style LoRAs adapt (with --preview)")
      .option("--steps", "N", "λ values from 0 to 1 (with --preview)", "7")
      .option("--size", "PX", "longest side of the preview photo", "192")
      .option("--sheet", "OUT", "write the previews as one contact sheet (.png, .jpg or .ppm)")
      .option("--styles", "A,B", "the two styles' names: print the PSNR against each style's true output")
      .option("--photos", "DIR", "photo folder (default: $LORASTUDIO_PHOTOS or the cache)");
  if (!p.parse(argc, argv)) return 0;
  if (!p.has("-o") && !p.has("--preview")) throw UsageError("-o OUT is required (or --preview to look without writing)");
  const double lambda = p.get_double("--lambda", -10.0, 10.0);
  LoadedAdapter a = load_adapter_for_cli(p.get("A"));
  LoadedAdapter b = load_adapter_for_cli(p.get("B"));
  if (p.has("--preview")) {
    preview_strip(p, a.adapter, b.adapter);
    if (!p.has("-o")) return 0;
  }
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
