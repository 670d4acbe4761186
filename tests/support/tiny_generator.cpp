#include "tests/support/tiny_generator.h"

#include "tests/support/adapter_testing.h"

namespace lorastudio::test {

GeneratorConfig tiny_generator_config(const std::string& condition_kind) {
  GeneratorConfig c;
  c.autoencoder.patch = 8;
  c.autoencoder.channels = {16, 32};
  c.autoencoder.latent_channels = 4;
  c.autoencoder.latent_length = 8;
  c.denoiser.kind = "unet";
  c.denoiser.channels = {16, 32};
  c.denoiser.emb_dim = 32;
  c.condition.kind = condition_kind;
  c.condition.dim = 32;
  return c;
}

ConditionalGenerator tiny_generator(BalanceOptions balance, const std::string& condition_kind,
                                    const std::vector<std::string>& images, int64_t varying) {
  torch::manual_seed(7);
  const LoraAdapter a = random_adapter({{"blocks.0.to_q", 16, 16, 2, 4}, {"blocks.0.to_v", 16, 16, 2, 4}}, 1);
  const ZooLayout layout = ZooLayout::from_adapter(a, balance);
  ParameterNormalizer normalizer(NormalizationOptions{});
  normalizer.fit({{"red", torch::randn({6, layout.dim()}) * 0.1 + 1.0}, {"blue", torch::randn({6, layout.dim()}) * 0.1 - 1.0}});
  std::vector<GeneratorTask> tasks(2);
  tasks[0].name = "red";
  tasks[0].condition = TaskCondition::from_text("warm red strokes");
  tasks[1].name = "blue";
  tasks[1].condition = TaskCondition::from_text("cold blue strokes");
  for (size_t i = 0; i < images.size() && i < tasks.size(); ++i) tasks[i].image_files = {images[i]};
  GeneratorConfig config = tiny_generator_config(condition_kind);
  if (varying > 0) {
    config.autoencoder.coordinates = "varying";
    config.autoencoder.active_dim = varying;
  }
  ConditionalGenerator g(config, layout, normalizer, tasks);
  if (varying > 0) g.autoencoder->set_kept_coordinates(torch::arange(0, 2 * varying, 2, torch::kLong));
  g.eval();
  return g;
}

}  // namespace lorastudio::test
