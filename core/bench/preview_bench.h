#pragma once
// The λ preview benchmark: how many preview updates a second the studio's interpolation panel gets while the
// slider is dragged, with the style demo. Two adapters are generated (styles a and b), then λ sweeps from
// −0.25 to 1.25 as a drag would: ours renders through the style world's PreviewProvider (each adapter's ΔW
// once, a draft-size forward pass per update, a full-size one when the slider rests); the peer is what the
// engine did before, per update: the exact rank-stacked interpolation (lora_mixing.h) and the stylizer at
// full size (style_interpolation.h).
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace lorastudio {

struct PreviewBenchOptions {
  std::string demo_dir;
  std::string style_a, style_b;  // empty: the demo's first style and one from the middle of its list
  int updates = 60;              // λ values in the sweep
  int subject = 0;               // which preview photo
  std::function<void(const std::string&)> progress;
};

nlohmann::json run_preview_bench(const PreviewBenchOptions& options);

}  // namespace lorastudio
