#pragma once
// LoRA Studio's engine API: load a trained generator, generate LoRA adapters for a condition, watch the
// progress and the denoising trajectory, cancel. What the studio window and the command line drive; no
// LibTorch in this header (results are immutable CPU arrays), no Qt anywhere in core/.
//
//   auto generator = lorastudio::api::Generator::load("models/styles/generator");
//   lorastudio::api::GenerationParams params;
//   params.count = 8;
//   params.sampler = lorastudio::api::Sampler::DpmSolverPP;
//   params.device = *lorastudio::api::device_from_string("cuda");
//   params.preview_every = 5;   // a preview (x_t, x0) every 5th step and the last
//   lorastudio::api::Condition condition;
//   condition.text = "thick oil paint";
//   auto result = generator->generate(condition, params, on_progress, on_preview);
//
// Threads: a Generator may be used from any one worker thread while other threads read earlier results
// (results share nothing mutable with the generator). Two generations on one generator never overlap:
// the second waits for the first (WhenBusy::Wait) or is refused with an Error (WhenBusy::Refuse).
// Errors: every failure is a lorastudio::Error (core/util/error.h) with a message meant for the user.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lorastudio {

struct LoraAdapter;  // core/lora/lora_adapter.h

namespace api {

// ---- Enums with string round trips -----------------------------------------------------------------

enum class Sampler { Ddpm, Ddim, DpmSolverPP };
std::string to_string(Sampler sampler);                                  // "ddpm", "ddim", "dpmpp"
std::optional<Sampler> sampler_from_string(std::string_view name);       // also "dpm++", "dpmsolver++"
const std::vector<Sampler>& all_samplers();

enum class DeviceKind { Cpu, Cuda };
struct Device {
  DeviceKind kind = DeviceKind::Cpu;
  int index = 0;  // CUDA device index
  bool operator==(const Device& o) const { return kind == o.kind && (kind == DeviceKind::Cpu || index == o.index); }
  bool operator!=(const Device& o) const { return !(*this == o); }
};
std::string to_string(const Device& device);                             // "cpu", "cuda", "cuda:1"
std::optional<Device> device_from_string(std::string_view name);         // the inverse; nullopt when malformed
bool is_available(const Device& device);                                 // this build and machine can run on it
std::vector<Device> available_devices();                                 // cpu first

enum class Precision { Float32, BFloat16 };
std::string to_string(Precision precision);                              // "fp32", "bf16"
std::optional<Precision> precision_from_string(std::string_view name);   // also "float32", "bfloat16"

enum class WhenBusy { Wait, Refuse };
std::string to_string(WhenBusy when_busy);                               // "wait", "refuse"
std::optional<WhenBusy> when_busy_from_string(std::string_view name);

// ---- Data ------------------------------------------------------------------------------------------

// An immutable float32 array on the CPU, row-major. Copies share the values (cheap to pass between
// threads); nothing, the engine included, writes them after they are handed out.
struct FloatArray {
  std::vector<int64_t> shape;
  std::shared_ptr<const float> values;  // shape's product of them; null when empty
  int64_t size() const;                 // number of values
  bool empty() const { return !values; }
  float at(int64_t flat_index) const { return values.get()[flat_index]; }
};

// What to generate for: a task description (with few-shot examples) or a style image, or a training task
// by name. A condition equal to a training task's is recognised and decoded with that task's statistics.
struct Condition {
  std::string text;
  std::vector<std::string> examples;
  std::string image_path;  // a style image (PNG, JPEG, PPM, ...); loaded by the generation
  std::string task;        // a training task's name: its condition, and its statistics for decoding
  // A condition walk: the encoded condition moved towards `towards` by `towards_weight` (0 = this condition,
  // 1 = the other); in between the adapters decode with the generator's global statistics.
  std::shared_ptr<const Condition> towards;
  double towards_weight = 0;
};

struct GenerationParams {
  int64_t count = 20;                // adapters, 1 to 4096
  Sampler sampler = Sampler::Ddim;
  int steps = 25;                    // 1 to the training schedule's length
  double guidance = 1.0;             // classifier-free guidance; 1 = off
  uint64_t seed = 0;
  double eta = 0.0;                  // DDIM's stochasticity, 0 to 1
  Device device;                     // where to sample (the generator moves there)
  Precision precision = Precision::Float32;  // bf16 autocasts the denoiser on CUDA; the decoder stays fp32
  bool cuda_graphs = true;           // replay captured CUDA graphs on CUDA
  int preview_every = 0;             // 0: no previews; k: a preview every k-th step and after the last
  bool preview_parameters = false;   // previews also carry the x0 prediction decoded to parameters
  WhenBusy when_busy = WhenBusy::Wait;
};

struct Progress {
  int step = 0;        // steps done, 1 to total
  int total = 0;
  int64_t timestep = 0;
};

// A view of the trajectory after one step, as immutable CPU copies.
struct Preview {
  int step = 0, total = 0;
  int64_t timestep = 0;
  FloatArray x_t;         // [N, C, L] latent after the step
  FloatArray x0_latent;   // [N, C, L] predicted clean latent
  FloatArray x0_params;   // [N, D] decoded parameters (with preview_parameters), else empty
};

// Return false to cancel. Called on the generating thread: hand data to a GUI through a queued signal.
using ProgressCallback = std::function<bool(const Progress&)>;
using PreviewCallback = std::function<bool(const Preview&)>;

struct GenerationResult {
  bool cancelled = false;
  std::string task;                  // whose statistics decoded the adapters ("" = pooled/global)
  FloatArray parameters;             // [N, D] in the zoo's flat layout
  // N adapters (the zoo's layout, float32, CPU). Their tensors view `parameters`-like buffers owned by
  // this result: read them, or clone a tensor before changing it.
  std::shared_ptr<const std::vector<LoraAdapter>> adapters;
  bool whole_graph = false;          // the whole generation replayed as one CUDA graph
  double seconds = 0;                // the generation, wall time
  double sample_seconds = 0, decode_seconds = 0;
};

struct TaskInfo {
  std::string name, text;
  std::vector<std::string> examples;
  std::vector<std::string> image_files;  // absolute paths of its condition images
};

struct GeneratorInfo {
  std::string directory;
  std::string condition_kind;        // text | image | onehot | learned
  std::string denoiser_kind;         // unet | transformer
  int64_t parameters = 0;            // D, the adapters' flat size
  int64_t modules = 0;               // LoRA modules per adapter
  int64_t latent_channels = 0, latent_length = 0;
  int64_t train_timesteps = 0;       // the longest schedule a sampler may use
  bool decodes_unseen_conditions = false;  // global normalisation: new conditions decode without a task
  std::vector<TaskInfo> tasks;
};

// ---- The generator -----------------------------------------------------------------------------------

class Generator {
 public:
  // Loads and validates a generator bundle (see core/generator/conditional_generator.h). Throws Error.
  static std::shared_ptr<Generator> load(const std::string& directory);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  const GeneratorInfo& info() const;  // immutable after load

  // Generates params.count adapters for `condition`. Throws Error for invalid params, an unknown task, an
  // unreadable image, an unavailable device, a busy generator under WhenBusy::Refuse, or NaN/Inf output.
  // Progress alone keeps the fast path (no per-step copies or host synchronisation; per-step CUDA graphs);
  // with neither callback a deterministic sampler on CUDA runs as one captured graph.
  GenerationResult generate(const Condition& condition, const GenerationParams& params = {},
                            const ProgressCallback& on_progress = {}, const PreviewCallback& on_preview = {});

  // Readies the device for `params`: on CUDA, runs the generation paths named by `paths` once and discards
  // them (initialising the device libraries and capturing their CUDA graphs), so the next generate() with
  // these settings runs at full speed. Callbacks: with a progress or preview callback (per-step graphs);
  // NoCallbacks: without (the whole-generation graph). Returns the seconds spent; does nothing on the CPU.
  // The studio warms both after loading, in its worker; the CLI, which always shows progress, only that path.
  enum class WarmUpPaths { Callbacks, NoCallbacks, Both };
  double warm_up(const Condition& condition, const GenerationParams& params, WarmUpPaths paths = WarmUpPaths::Both);

  // Asks the generation now running to stop after its current step (from any thread; a no-op when idle).
  // The whole-graph path (no callbacks, CUDA) cannot stop midway and finishes.
  void cancel();
  bool busy() const;

 private:
  struct Impl;
  explicit Generator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace api
}  // namespace lorastudio
