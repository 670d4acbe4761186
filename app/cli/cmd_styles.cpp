// lora-studio-cli styles [--json] [--sheet OUT.png [--photo NAME|FILE] [--size PX] [--columns N]] [--reference IMAGE]
// Lists the style world's suite (training and held-out styles), draws a contact sheet of every style on one
// photo, or tells what style a reference image defines.
#include <iostream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "app/cli/arg_parser.h"
#include "app/cli/cli_output.h"
#include "app/cli/commands.h"
#include "core/imaging/contact_sheet.h"
#include "core/imaging/image_io.h"
#include "core/imaging/photo_set.h"
#include "core/imaging/style_catalog.h"
#include "core/style/style_world.h"

namespace lorastudio::cli {
namespace {

void print_reference(const std::string& file) {
  const ReferenceStyleParams p = reference_style_params(load_rgb_image(file));
  std::cout << file << " defines:\n"
            << "  Lab mean      " << format_double(p.colours.mean[0], 4) << ", " << format_double(p.colours.mean[1], 4) << ", "
            << format_double(p.colours.mean[2], 4) << "\n"
            << "  Lab spread    " << format_double(p.colours.stddev[0], 4) << ", " << format_double(p.colours.stddev[1], 4)
            << ", " << format_double(p.colours.stddev[2], 4) << "\n"
            << "  outlines      " << format_double(p.edge_strength, 3) << "\n"
            << "  softening     " << format_double(p.blur_sigma, 3) << " px\n";
}

void print_table(const std::vector<Style>& styles, bool json) {
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& s : styles)
      j.push_back({{"name", s.name}, {"family", style_family_name(s.family)}, {"held_out", s.held_out},
                   {"description", s.description}, {"reference", s.reference}});
    std::cout << j.dump(2) << "\n";
    return;
  }
  int held_out = 0;
  for (const auto& s : styles) held_out += s.held_out ? 1 : 0;
  std::cout << styles.size() - held_out << " training styles, " << held_out << " held out\n\n  "
            << pad_right("style", 20) << pad_right("family", 11) << pad_right("split", 10) << "description\n";
  for (const auto& s : styles)
    std::cout << "  " << pad_right(s.name, 20) << pad_right(style_family_name(s.family), 11)
              << pad_right(s.held_out ? "held out" : "train", 10) << s.description << "\n";
}

}  // namespace

int run_styles(int argc, char** argv) {
  ArgParser p("styles",
              "List the style world's styles (training and held out), draw every style on one photo as a contact\n"
              "sheet, or show the style a reference image defines.");
  p.flag("--json", "print the list as JSON")
      .option("--photos", "DIR", "photo folder (default: $LORASTUDIO_PHOTOS or the cache; see scripts/fetch-photos.sh)")
      .option("--sheet", "OUT", "write a contact sheet of all styles (.png, .jpg or .ppm)")
      .option("--photo", "NAME|FILE", "the photo the sheet shows: a photo set name or an image file", "butterfly")
      .option("--size", "PX", "longest side of each tile", "160")
      .option("--columns", "N", "tiles per row", "8")
      .option("--reference", "IMAGE", "print the style parameters IMAGE defines (the reference family)");
  if (!p.parse(argc, argv)) return 0;
  if (p.has("--reference")) {
    print_reference(p.get("--reference"));
    return 0;
  }
  const std::string set_dir = p.has("--photos") ? p.get("--photos") : PhotoSet::default_dir();
  const PhotoSet set = PhotoSet::open(set_dir);
  const std::vector<Style> styles = standard_styles([&](const std::string& name) { return set.load(name); });
  if (!p.has("--sheet")) {
    print_table(styles, p.has("--json"));
    return 0;
  }
  const std::string photo = p.get("--photo");
  const torch::Tensor image =
      fit_image(load_photo_argument(photo, set_dir), p.get_int("--size", 16, 2048));
  std::vector<SheetTile> tiles{{image, "original"}};
  for (const auto& s : styles) tiles.push_back({s.apply(image), s.name + (s.held_out ? " (held out)" : "")});
  save_rgb_image(p.get("--sheet"), contact_sheet(tiles, static_cast<int>(p.get_int("--columns", 1, 64))));
  std::cout << "wrote " << p.get("--sheet") << " (" << styles.size() << " styles on " << photo << ")\n";
  return 0;
}

}  // namespace lorastudio::cli
