// api::Generator: the public face of ConditionalGenerator + generate_adapters (core/lorastudio.h).
#include <atomic>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <mutex>

#include <torch/torch.h>

#include "core/api/tensor_bridge.h"
#include "core/generator/conditional_generator.h"
#include "core/generator/generation.h"
#include "core/imaging/image_io.h"
#include "core/lora/lora_adapter.h"
#include "core/lorastudio.h"
#include "core/util/error.h"

namespace lorastudio::api {

struct Generator::Impl {
  explicit Impl(ConditionalGenerator g) : generator(std::move(g)) {}
  ConditionalGenerator generator;
  GeneratorInfo info;
  std::mutex running;                    // held for the whole of a generation
  std::atomic<bool> busy{false};
  std::atomic<bool> cancel_requested{false};
};

namespace {

GeneratorInfo describe(const ConditionalGenerator& g, const std::string& directory) {
  GeneratorInfo info;
  info.directory = std::filesystem::absolute(directory).string();
  info.condition_kind = g.config.condition.kind;
  info.denoiser_kind = g.config.denoiser.kind;
  info.parameters = g.layout.dim();
  info.modules = static_cast<int64_t>(g.layout.modules().size());
  info.latent_channels = g.config.autoencoder.latent_channels;
  info.latent_length = g.config.autoencoder.latent_length;
  info.train_timesteps = g.config.noise.value("num_train_timesteps", int64_t(1000));
  info.decodes_unseen_conditions = g.normalizer.can_normalize("");
  for (const auto& t : g.tasks) info.tasks.push_back({t.name, t.condition.text, t.condition.examples, t.image_files});
  return info;
}

std::string task_list(const ConditionalGenerator& g) {
  std::string names;
  for (const auto& t : g.tasks) names += (names.empty() ? "" : ", ") + t.name;
  return names;
}

// The encoder input for `c`, with the task it names (or "") in `task`.
ConditionInput condition_input(const ConditionalGenerator& g, const Condition& c) {
  if (c.text.empty() && c.image_path.empty() && c.task.empty())
    throw Error("generate: no condition: give a text, an image or a training task's name");
  ConditionInput in;
  if (!c.task.empty()) {
    if (g.task_index(c.task) < 0)
      throw Error("generate: the generator has no task \"" + c.task + "\" (its tasks: " + task_list(g) + ")");
    if (c.text.empty() && c.image_path.empty()) return g.task_condition(c.task);
    in.task_index = g.task_index(c.task);
  }
  in.text = c.text;
  in.examples = c.examples;
  if (!c.image_path.empty()) in.image = load_rgb_image(c.image_path);
  if (c.towards) {
    if (!std::isfinite(c.towards_weight)) throw Error("generate: the walk weight must be a finite number");
    in.towards = std::make_shared<const ConditionInput>(condition_input(g, *c.towards));
    in.towards_weight = c.towards_weight;
  }
  return in;
}

torch::Device torch_device(const Device& d) {
  if (!is_available(d))
    throw Error("generate: device " + to_string(d) + " is not available here (" +
                std::to_string(available_devices().size() - 1) + " CUDA devices)");
  if (d.kind == DeviceKind::Cpu) return torch::kCPU;
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(d.index));
}

GenerateOptions engine_options(const Condition& c, const GenerationParams& p, bool previews) {
  if (p.preview_every < 0) throw Error("generate: preview_every must be 0 (no previews) or more");
  GenerateOptions o;
  o.count = p.count;
  o.sampler = to_string(p.sampler);
  o.steps = p.steps;
  o.guidance = p.guidance;
  o.seed = p.seed;
  o.eta = p.eta;
  o.task = c.task;
  o.cuda_graphs = p.cuda_graphs;
  o.bf16 = p.precision == Precision::BFloat16;
  o.step_data_every = previews ? p.preview_every : 0;
  o.decode_steps = previews && p.preview_parameters;
  return o;
}

// Sets a flag for a scope.
class BusyScope {
 public:
  explicit BusyScope(std::atomic<bool>& flag) : flag_(flag) { flag_ = true; }
  ~BusyScope() { flag_ = false; }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;

 private:
  std::atomic<bool>& flag_;
};

GenerationResult result_of(GeneratedAdapters&& out) {
  GenerationResult r;
  r.cancelled = out.cancelled;
  r.task = out.task;
  r.parameters = float_array(out.params);
  r.adapters = std::make_shared<const std::vector<LoraAdapter>>(std::move(out.adapters));
  r.whole_graph = out.whole_graph;
  r.seconds = out.seconds;
  r.sample_seconds = out.sample_seconds;
  r.decode_seconds = out.decode_seconds;
  return r;
}

}  // namespace

Generator::Generator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Generator::~Generator() = default;

std::shared_ptr<Generator> Generator::load(const std::string& directory) {
  try {
    auto impl = std::make_unique<Impl>(ConditionalGenerator::load(directory));
    impl->info = describe(impl->generator, directory);
    return std::shared_ptr<Generator>(new Generator(std::move(impl)));
  } catch (const c10::Error& e) {
    throw Error(directory + ": the generator could not be loaded: " + e.what_without_backtrace());
  }
}

const GeneratorInfo& Generator::info() const { return impl_->info; }

double Generator::warm_up(const Condition& condition, const GenerationParams& params, WarmUpPaths paths) {
  if (params.device.kind == DeviceKind::Cpu) return 0;
  const auto start = std::chrono::steady_clock::now();
  if (paths != WarmUpPaths::NoCallbacks) generate(condition, params, [](const Progress&) { return true; });
  if (paths != WarmUpPaths::Callbacks) generate(condition, params);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Generator::cancel() {
  if (impl_->busy) impl_->cancel_requested = true;
}

bool Generator::busy() const { return impl_->busy; }

GenerationResult Generator::generate(const Condition& condition, const GenerationParams& params,
                                     const ProgressCallback& on_progress, const PreviewCallback& on_preview) {
  std::unique_lock<std::mutex> lock(impl_->running, std::defer_lock);
  if (params.when_busy == WhenBusy::Wait) {
    lock.lock();
  } else if (!lock.try_lock()) {
    throw Error("generate: the generator is busy with another generation (wait for it to finish, or cancel it)");
  }
  BusyScope busy(impl_->busy);
  impl_->cancel_requested = false;
  ConditionalGenerator& g = impl_->generator;
  const bool previews = on_preview && params.preview_every > 0;
  const GenerateOptions options = engine_options(condition, params, previews);
  try {
    const torch::Device device = torch_device(params.device);
    const ConditionInput input = condition_input(g, condition);
    if (g.device() != device) g.to(device);
    // Without callbacks a CUDA generation may run as one graph; elsewhere a step callback costs nothing and
    // lets cancel() stop the loop.
    GenerationCallback on_step;
    if (on_progress || previews || !device.is_cuda()) {
      on_step = [&](const GenerationStep& s) {
        if (impl_->cancel_requested) return false;
        if (on_progress && !on_progress(Progress{s.index + 1, s.total, s.timestep})) return false;
        if (previews && s.x_t.defined()) {
          const Preview p{s.index + 1, s.total, s.timestep, float_array(s.x_t), float_array(s.x0_latent), float_array(s.x0_params)};
          if (!on_preview(p)) return false;
        }
        return !impl_->cancel_requested;
      };
    }
    return result_of(generate_adapters(g, input, options, on_step));
  } catch (const c10::Error& e) {
    throw Error(std::string("generate: LibTorch failed: ") + e.what_without_backtrace());
  }
}

}  // namespace lorastudio::api
