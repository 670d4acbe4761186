#pragma once
// Two-stage training of a conditional LoRA generator on a zoo (Cond P-Diff): first the parameter
// autoencoder on the normalised checkpoints, then the conditional latent diffusion model (DDPM
// objective, T = 1000 by default) on their latents. AdamW, warm-up + cosine learning rate, gradient
// clipping, EMA of the denoiser, condition dropout for classifier-free guidance, bf16 autocast on CUDA.
//
// Progress goes to a callback that can cancel. Every `checkpoint_every` steps, and when cancelled, the
// full training state is saved under OUT/state/, so `resume` continues without losing work; the
// finished generator is written as a bundle into OUT (see conditional_generator.h). On the CPU a seed
// makes training deterministic. A resumed run must have the same config (train.device aside) and the same
// zoo (tasks and checkpoint counts) as the interrupted one; a non-finite loss stops training with an Error
// that names the stage and step, and the last good checkpoint stays in OUT/state/ to resume from.
#include <functional>
#include <string>

#include "core/generator/generator_config.h"

namespace lorastudio {

class Zoo;

struct TrainProgress {
  std::string stage;          // "autoencoder" | "diffusion"
  int64_t step = 0;           // 1-based within the stage
  int64_t total = 0;
  double loss = 0;            // running mean since the last report
  double learning_rate = 0;
  double steps_per_second = 0;
};
using TrainCallback = std::function<bool(const TrainProgress&)>;  // false cancels

struct TrainResult {
  bool cancelled = false;
  bool resumed = false;
  double final_autoencoder_loss = 0;
  double final_diffusion_loss = 0;
  double reconstruction_error = 0;  // relative ||x - AE(x)|| / ||x|| over the zoo (normalised space)
  // In the normalised space: the RMS reconstruction error per checkpoint, the RMS distance of a checkpoint
  // from its task's mean (the variation the autoencoder must carry), and their ratio (≪ 1 is needed: an
  // autoencoder whose error is the size of the within-task variation reproduces task means only).
  double reconstruction_rms = 0;
  double within_task_rms = 0;
  double reconstruction_to_spread = 0;
  std::string output_dir;
};

TrainResult train_generator(const Zoo& zoo, const GeneratorConfig& config, const std::string& output_dir,
                            bool resume, const TrainCallback& progress = {}, int64_t report_every = 50);

}  // namespace lorastudio
