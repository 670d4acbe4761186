#pragma once
// generate --demo … --preview PHOTO: each generated style adapter applied to the photo with the demo's stylizer,
// written as PNG (preview_000.png, …, with the photo, the bare stylizer and the true target) and as one contact
// sheet, with each preview's PSNR against the true target printed and returned for the report.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/run_directory.h"
#include "core/lora/lora_adapter.h"
#include "core/style/style_demo.h"

namespace lorastudio::cli {

// The demo bundle for `--demo NAME|DIR` (models/demo/NAME of this source tree, or $LORASTUDIO_DEMOS/NAME).
std::string demo_bundle_dir(const std::string& name_or_dir);

nlohmann::json write_demo_previews(const StyleDemo& demo, const std::vector<LoraAdapter>& adapters,
                                   const std::string& photo, const std::string& condition_image, const RunDirectory& run);

}  // namespace lorastudio::cli
