#include "app/cli/demo_previews.h"

#include <cstdio>
#include <iostream>

#include "app/cli/cli_output.h"
#include "core/imaging/contact_sheet.h"
#include "core/imaging/image_io.h"
#include "core/imaging/photo_set.h"
#include "core/style/style_demo_preview.h"
#include "core/style/style_world.h"

namespace lorastudio::cli {

std::string demo_bundle_dir(const std::string& name_or_dir) {
  return find_demo_bundle(name_or_dir, LORASTUDIO_MODELS_DIR);
}

nlohmann::json write_demo_previews(const StyleDemo& demo, const std::vector<LoraAdapter>& adapters,
                                   const std::string& photo, const std::string& condition_image, const RunDirectory& run) {
  const StylePreview p = preview_style_adapters(demo, adapters, load_photo_argument(photo, PhotoSet::default_dir()),
                                                load_rgb_image(condition_image));
  std::vector<SheetTile> tiles = {{p.photo, "photo"}, {p.base, "no LoRA"}};
  save_rgb_image(run.path("preview_photo.png"), p.photo);
  if (p.target.defined()) {
    save_rgb_image(run.path("preview_target.png"), p.target);
    tiles.push_back({p.target, "true target"});
  }
  nlohmann::json files = nlohmann::json::array();
  for (size_t i = 0; i < p.outputs.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "preview_%03zu.png", i);
    save_rgb_image(run.path(name), p.outputs[i]);
    files.push_back(name);
    tiles.push_back({p.outputs[i], "adapter " + std::to_string(i) + (p.psnr.empty() ? "" : "  " + format_double(p.psnr[i], 3) + " dB")});
  }
  save_rgb_image(run.path("previews.png"), contact_sheet(tiles, tiles.size() <= 6 ? 0 : 4));
  nlohmann::json report = {{"photo", photo}, {"files", files}, {"sheet", "previews.png"}};
  if (p.target.defined()) {
    const std::string what = p.target_style.empty() ? "the reference style of the condition image (its colours and texture)"
                                                    : "the bundled style \"" + p.target_style + "\"";
    std::cout << "true target: " << what << "\n  no LoRA       " << format_double(p.base_psnr, 4) << " dB\n";
    for (size_t i = 0; i < p.psnr.size(); ++i)
      std::cout << "  adapter_" << (i < 10 ? "00" : i < 100 ? "0" : "") << i << "   " << format_double(p.psnr[i], 4) << " dB PSNR\n";
    report["target"] = p.target_style.empty() ? "reference" : p.target_style;
    report["base_psnr"] = p.base_psnr;
    report["psnr"] = p.psnr;
  } else {
    std::cout << "no true target (this build has no OpenCV for the style functions)\n";
  }
  return report;
}

}  // namespace lorastudio::cli
