#pragma once
// What the studio's interpolation panel shows while λ is dragged: one interface, so a world's bundle brings
// its own preview kind (the style world's stylized photo, the text world's merged-model answers, later
// PixArt-α images) and the widgets never change. A provider renders the exact mix (1−λ)·ΔW_a + λ·ΔW_b on one
// of its subjects (a photo, a prompt) as an RGB image and a caption.
//
// Threads: a provider is used from one worker thread at a time (the studio's preview worker); images it
// returns are immutable and may be handed to any thread.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lorastudio {

struct LoraAdapter;

// One bar of a chart-like preview (a task's agreement, a definition's answer probability).
struct PreviewBar {
  std::string label;
  double value = 0;
  double lo = 0, hi = 1;                 // the axis the bar is drawn on
  double reference = std::nan("");       // a tick to compare with (the base model's value); NaN: none
  std::string text;                      // the value as shown ("0.82", "yes 0.93")
  bool highlight = false;                // drawn in the accent colour
};

// What a preview shows: an immutable 8-bit RGB image (row-major, 3 bytes a pixel), or bars the studio draws.
struct PreviewImage {
  int width = 0, height = 0;
  std::shared_ptr<const std::vector<uint8_t>> rgb;
  std::vector<PreviewBar> bars;  // instead of pixels (then rgb is null)
  std::string caption;  // one line: what is shown and, where the provider knows it, how good it is
  bool empty() const { return (!rgb || width <= 0 || height <= 0) && bars.empty(); }
};

enum class PreviewQuality { Draft, Full };  // Draft while dragging (fast), Full once the slider rests

class PreviewProvider {
 public:
  virtual ~PreviewProvider() = default;
  virtual std::string kind() const = 0;   // "style"
  virtual std::string title() const = 0;  // "stylized photo", shown above the preview
  // What a preview can be of (photo names, prompts); at least one.
  virtual std::vector<std::string> subjects() const = 0;
  // The mix of `a` and `b` at `lambda` (any real; 0 is a, 1 is b) on subjects()[subject]. Throws Error.
  virtual PreviewImage render(const std::shared_ptr<const LoraAdapter>& a, const std::shared_ptr<const LoraAdapter>& b,
                              double lambda, int subject, PreviewQuality quality) = 0;
};

}  // namespace lorastudio
