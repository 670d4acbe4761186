#include "core/bench/preview_bench.h"

#include <chrono>

#include <torch/torch.h>

#include "core/bench/bench_environment.h"
#include "core/generator/generation.h"
#include "core/imaging/image_io.h"
#include "core/math/lora_mixing.h"
#include "core/style/style_demo.h"
#include "core/style/style_preview_provider.h"
#include "core/style/style_world.h"
#include "core/style/stylizer_lora.h"
#include "core/util/error.h"

namespace lorastudio {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::shared_ptr<const LoraAdapter> generate_one(const StyleDemo& demo, const DemoStyle& style) {
  ConditionInput in;
  in.image = load_rgb_image(style.conditions.front());
  GenerateOptions o;
  o.count = 1;
  o.steps = 25;
  return std::make_shared<const LoraAdapter>(generate_adapters(*demo.generator, in, o).adapters.front());
}

double sweep_lambda(int updates, int i) { return -0.25 + 1.5 * static_cast<double>(i) / std::max(1, updates - 1); }

const DemoStyle& pick_style(const StyleDemo& demo, const std::string& name, size_t fallback) {
  if (name.empty()) return demo.styles.at(std::min(fallback, demo.styles.size() - 1));
  const DemoStyle* s = demo.style(name);
  if (!s) throw Error("bench preview: the demo has no style \"" + name + "\"");
  return *s;
}

}  // namespace

nlohmann::json run_preview_bench(const PreviewBenchOptions& o) {
  if (o.updates < 2) throw Error("bench preview: at least 2 updates");
  const auto say = [&](const std::string& line) { if (o.progress) o.progress(line); };
  const auto shared = std::make_shared<const StyleDemo>(StyleDemo::load(o.demo_dir));
  const StyleDemo& demo = *shared;
  const DemoStyle& a = pick_style(demo, o.style_a, 0);
  const DemoStyle& b = pick_style(demo, o.style_b, demo.styles.size() / 2);
  say("generating one adapter each for " + a.name + " and " + b.name);
  const auto adapter_a = generate_one(demo, a), adapter_b = generate_one(demo, b);
  auto provider = StylePreviewProvider::for_demo(shared);
  if (o.subject < 0 || o.subject >= static_cast<int>(provider->subjects().size()))
    throw Error("bench preview: --subject must be below " + std::to_string(provider->subjects().size()));
  provider->render(adapter_a, adapter_b, 0.5, o.subject, PreviewQuality::Draft);  // warm-up: ΔW and photo caches

  say("dragging λ: " + std::to_string(o.updates) + " draft previews");
  auto start = Clock::now();
  PreviewImage last;
  for (int i = 0; i < o.updates; ++i)
    last = provider->render(adapter_a, adapter_b, sweep_lambda(o.updates, i), o.subject, PreviewQuality::Draft);
  const double draft_seconds = seconds_since(start);
  say("the same sweep at full size");
  start = Clock::now();
  PreviewImage full;
  for (int i = 0; i < o.updates; ++i)
    full = provider->render(adapter_a, adapter_b, sweep_lambda(o.updates, i), o.subject, PreviewQuality::Full);
  const double full_seconds = seconds_since(start);

  say("peer: interpolate + stylize at full size, " + std::to_string(o.updates) + " times");
  Stylizer stylizer = demo.stylizer;
  const torch::Tensor photo = fit_image(load_rgb_image(demo.check_photo_path(demo.check.photos.at(o.subject))), 256);
  start = Clock::now();
  for (int i = 0; i < o.updates; ++i) {
    const LoraAdapter mixed = interpolate(*adapter_a, *adapter_b, sweep_lambda(o.updates, i));
    stylize(stylizer, photo, &mixed);
  }
  const double peer_seconds = seconds_since(start);

  const double ours_rate = o.updates / draft_seconds, full_rate = o.updates / full_seconds, peer_rate = o.updates / peer_seconds;
  return {{"benchmark", "preview"},
          {"environment", bench_environment()},
          {"demo", demo.name},
          {"styles", {a.name, b.name}},
          {"subject", provider->subjects().at(static_cast<size_t>(o.subject))},
          {"updates", o.updates},
          {"lambda_range", {-0.25, 1.25}},
          {"ours", {{"what", "PreviewProvider, draft size while dragging"}, {"draft_size", std::to_string(last.width) + "x" + std::to_string(last.height)},
                    {"updates_per_second", ours_rate}, {"ms_per_update", 1000 * draft_seconds / o.updates},
                    {"full_size", std::to_string(full.width) + "x" + std::to_string(full.height)},
                    {"full_updates_per_second", full_rate}, {"full_ms_per_update", 1000 * full_seconds / o.updates}}},
          {"peer", {{"what", "interpolate() + stylize() at full size per update"}, {"updates_per_second", peer_rate},
                    {"ms_per_update", 1000 * peer_seconds / o.updates}}},
          {"speedup_same_size", full_rate / peer_rate},  // both at full size: the cached ΔW against the peer
          {"speedup_while_dragging", ours_rate / peer_rate},
          {"target_updates_per_second", 10},
          {"meets_target", ours_rate >= 10}};
}

}  // namespace lorastudio
