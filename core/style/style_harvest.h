#pragma once
// Harvesting style LoRAs (Cond P-Diff's data collection): for one style, fine-tune a LoCon adapter on the
// frozen stylizer with (photo patch, stylized patch) pairs, L1 plus an L1 on image gradients (edges and
// texture), and keep the adapters of the last N steps with their scores on fixed training-split pairs.
// Deterministic for a seed on the CPU; progress through a callback that can cancel.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "core/imaging/style_catalog.h"
#include "core/lora/lora_adapter.h"
#include "core/style/stylizer.h"
#include "core/style/stylizer_lora.h"

namespace lorastudio {

struct StylePairs {
  torch::Tensor inputs;   // [P, 3, p, p] photo patches
  torch::Tensor targets;  // [P, 3, p, p] the style applied to each
  int64_t count() const { return inputs.defined() ? inputs.size(0) : 0; }
};

// `count` random patches of `photos` (photo_set.h's random_patches) with the style applied to each.
StylePairs style_pairs(const Style& style, const std::vector<torch::Tensor>& photos, int64_t count, int64_t patch,
                       uint64_t seed);

struct StyleHarvestOptions {
  int64_t steps = 200;           // fine-tuning steps
  int64_t keep_last = 50;        // checkpoints: the adapters after each of the last N steps
  int64_t batch = 8;
  double lr = 1e-2;              // Adam
  double gradient_weight = 0.5;  // L1 + w·L1(∇)
  StyleLoraConfig lora;
  uint64_t seed = 0;       // batches
  uint64_t init_seed = 0;  // the adapter's initial A: one for every style, so that adapters of different styles
                           // start alike and differ by what their styles ask (a generator can then learn the map)
  bool freeze_a = false;   // train B only (LoRA-FA): A stays the shared initialisation, the whole style is in B
};

struct StyleCheckpoint {
  LoraAdapter adapter;  // float32 CPU copies
  int64_t step = 0;
  double score_psnr = 0;  // on the validation pairs
};

struct StyleHarvest {
  std::vector<StyleCheckpoint> checkpoints;  // in step order
  double base_psnr = 0;                      // the stylizer without a LoRA, on the validation pairs
  bool cancelled = false;
};

// step (1-based), total, running loss; return false to cancel.
using HarvestProgress = std::function<bool(int64_t step, int64_t total, double loss)>;

StyleHarvest harvest_style(Stylizer& stylizer, const StylePairs& train, const StylePairs& validation,
                           const StyleHarvestOptions& options, const HarvestProgress& progress = {});

// PSNR of the stylizer with `adapter` (none: the base) on pairs, in batches.
double pairs_psnr(Stylizer& stylizer, const StylePairs& pairs, const LoraAdapter* adapter);

}  // namespace lorastudio
