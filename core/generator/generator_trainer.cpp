#include "core/generator/generator_trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/generator/autocast_guard.h"
#include "core/generator/conditional_generator.h"
#include "core/generator/module_weights.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/file_tree.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

double scheduled_lr(double base, int64_t step, int64_t total, int64_t warmup) {
  const double w = warmup > 0 ? std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(warmup)) : 1.0;
  const double progress = total > 1 ? static_cast<double>(step) / static_cast<double>(total - 1) : 1.0;
  return base * w * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
}

void set_lr(torch::optim::AdamW& opt, double lr) {
  for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

// Training state under OUT/state/: which stage and step, the weights and the optimizer.
struct StateFiles {
  fs::path dir;
  std::string json() const { return (dir / "state.json").string(); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

struct StageState {
  std::string stage = "autoencoder";
  int64_t step = 0;
  double latent_scale = 1.0;
};

StageState read_state(const StateFiles& s) {
  StageState st;
  nlohmann::json j = nlohmann::json::parse(read_text_file(s.json()), nullptr, false);
  if (j.is_discarded()) throw FileError(s.json(), "not valid JSON (delete the state folder to restart training)");
  st.stage = j.value("stage", st.stage);
  st.step = j.value("step", int64_t(0));
  st.latent_scale = j.value("latent_scale", 1.0);
  return st;
}

void write_state(const StateFiles& s, const StageState& st, const nlohmann::json& config) {
  write_file_atomically(s.json(), nlohmann::json{{"stage", st.stage}, {"step", st.step}, {"latent_scale", st.latent_scale},
                                                 {"config", config}}
                                       .dump(2));
}

void save_optimizer(torch::optim::Optimizer& opt, const std::string& path) {
  const std::string tmp = path + ".tmp";
  torch::save(opt, tmp);
  fs::rename(tmp, path);
}

void append_log(const std::string& path, const TrainProgress& p) {
  std::ofstream out(path, std::ios::app);
  out << nlohmann::json{{"stage", p.stage}, {"step", p.step}, {"total", p.total}, {"loss", p.loss},
                        {"lr", p.learning_rate}, {"steps_per_second", p.steps_per_second}}
                .dump()
      << "\n";
}

class Reporter {
 public:
  Reporter(std::string stage, int64_t total, int64_t every, const TrainCallback& cb, std::string log)
      : stage_(std::move(stage)), total_(total), every_(std::max<int64_t>(1, every)), cb_(cb), log_(std::move(log)),
        start_(std::chrono::steady_clock::now()) {}
  // Returns false when the callback cancels.
  bool add(int64_t step, double loss, double lr) {
    sum_ += loss;
    ++n_;
    if (step % every_ != 0 && step != total_) return true;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    TrainProgress p{stage_, step, total_, sum_ / n_, lr, secs > 0 ? (step - first_) / secs : 0};
    last_loss_ = p.loss;
    sum_ = 0;
    n_ = 0;
    append_log(log_, p);
    return cb_ ? cb_(p) : true;
  }
  void start_at(int64_t step) { first_ = step; }
  double last_loss() const { return last_loss_; }

 private:
  std::string stage_;
  int64_t total_, every_;
  const TrainCallback& cb_;
  std::string log_;
  std::chrono::steady_clock::time_point start_;
  double sum_ = 0, last_loss_ = 0;
  int64_t n_ = 0, first_ = 0;
};

std::vector<GeneratorTask> tasks_of(const Zoo& zoo) {
  std::vector<GeneratorTask> tasks;
  for (const auto& name : zoo.tasks()) {
    GeneratorTask t;
    t.name = name;
    t.condition = zoo.condition(name);
    for (size_t k = 0; k < t.condition.images.size(); ++k) t.image_files.push_back(zoo.image_path(name, k));
    tasks.push_back(std::move(t));
  }
  return tasks;
}

void ema_update(torch::nn::Module& ema, const torch::nn::Module& model, double decay) {
  torch::NoGradGuard no_grad;
  auto src = model.named_parameters();
  for (auto& p : ema.named_parameters()) p.value().mul_(decay).add_(src[p.key()].detach(), 1.0 - decay);
}

}  // namespace

TrainResult train_generator(const Zoo& zoo, const GeneratorConfig& config_in, const std::string& out_dir, bool resume,
                            const TrainCallback& progress, int64_t report_every) {
  if (zoo.tasks().empty()) throw FileError(zoo.dir(), "the zoo has no tasks to train on");
  const TrainConfig& tc = config_in.train;
  if (tc.device == "cuda" && !torch::cuda::is_available()) throw Error("train.device is cuda but no CUDA device is available");
  const torch::Device device = tc.device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  torch::AutoGradMode grad_on(true);  // thread-local: the caller's thread may be in inference mode

  std::error_code ec;
  const StateFiles state{fs::path(out_dir) / "state"};
  fs::create_directories(state.dir, ec);
  if (ec) throw FileError(out_dir, "cannot create the output directory: " + ec.message());
  const std::string log_path = (fs::path(out_dir) / "training_log.jsonl").string();
  TrainResult result;
  result.output_dir = out_dir;

  StageState st;
  if (resume) {
    if (!fs::exists(state.json())) throw FileError(state.json(), "missing: nothing to resume (train without --resume first)");
    st = read_state(state);
    result.resumed = true;
  } else if (fs::exists(state.json())) {
    throw FileError(out_dir, "holds an unfinished training run; pass --resume to continue it or remove the directory");
  }

  // Randomness is a function of (seed, stage, step) alone: the initial weights come from the seed, and every
  // step reseeds (batch, noise, timesteps, condition dropout). A run resumed from any checkpoint therefore
  // continues exactly as the uninterrupted run would have (on the CPU, where kernels are deterministic).
  torch::manual_seed(tc.seed);
  const auto seed_step = [&tc](int64_t stage, int64_t step) {
    torch::manual_seed(tc.seed * 1000003ULL + static_cast<uint64_t>(stage) * 10000019ULL + static_cast<uint64_t>(step));
  };

  // Data: every task's checkpoints, normalised.
  ParameterNormalizer normalizer(config_in.normalization);
  normalizer.fit(zoo);
  std::vector<torch::Tensor> rows;
  std::vector<int64_t> row_task;
  const auto names = zoo.tasks();
  for (size_t i = 0; i < names.size(); ++i) {
    torch::Tensor x = normalizer.encode(names[i], zoo.task_params(names[i]));
    rows.push_back(x);
    row_task.insert(row_task.end(), static_cast<size_t>(x.size(0)), static_cast<int64_t>(i));
  }
  const torch::Tensor data = torch::cat(rows).to(device);
  const torch::Tensor data_task = torch::tensor(row_task, torch::kLong).to(device);
  const int64_t n = data.size(0);

  ConditionalGenerator gen(config_in, zoo.layout(), normalizer, tasks_of(zoo));
  const GeneratorConfig& config = gen.config;
  gen.to(device);
  auto pick = [&](int64_t batch) { return torch::randint(n, {batch}, torch::TensorOptions().dtype(torch::kLong).device(device)); };
  const bool autocast = device.is_cuda() && tc.bf16;

  // ---- stage 1: parameter autoencoder ----
  if (st.stage == "autoencoder") {
    if (st.step > 0) load_module_weights(*gen.autoencoder, state.file("autoencoder.safetensors"));
    torch::optim::AdamW opt(gen.autoencoder->parameters(), torch::optim::AdamWOptions(tc.ae_lr).weight_decay(tc.weight_decay));
    if (st.step > 0 && fs::exists(state.file("ae_optimizer.pt"))) torch::load(opt, state.file("ae_optimizer.pt"));
    Reporter rep("autoencoder", tc.ae_steps, report_every, progress, log_path);
    rep.start_at(st.step);
    gen.autoencoder->train();
    auto checkpoint = [&](int64_t step) {
      st.step = step;
      save_module_weights(*gen.autoencoder, state.file("autoencoder.safetensors"));
      save_optimizer(opt, state.file("ae_optimizer.pt"));
      write_state(state, st, config.to_json());
    };
    for (int64_t step = st.step; step < tc.ae_steps; ++step) {
      seed_step(1, step);
      const double lr = scheduled_lr(tc.ae_lr, step, tc.ae_steps, tc.warmup_steps);
      set_lr(opt, lr);
      torch::Tensor x = data.index_select(0, pick(std::min(tc.ae_batch, n)));
      AutoencoderOutput out;
      {
        AutocastGuard ac(autocast);
        out = gen.autoencoder->forward(x);
      }
      torch::Tensor loss = torch::mse_loss(out.reconstruction.to(torch::kFloat), x) + config.autoencoder.kl_weight * out.kl.to(torch::kFloat);
      opt.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(gen.autoencoder->parameters(), tc.grad_clip);
      opt.step();
      const bool go_on = rep.add(step + 1, loss.item<double>(), lr);
      if ((step + 1) % tc.checkpoint_every == 0 || !go_on) checkpoint(step + 1);
      if (!go_on) {
        result.cancelled = true;
        return result;
      }
    }
    result.final_autoencoder_loss = rep.last_loss();
    st.stage = "diffusion";
    st.step = 0;
    save_module_weights(*gen.autoencoder, state.file("autoencoder.safetensors"));
    write_state(state, st, config.to_json());
  } else {
    load_module_weights(*gen.autoencoder, state.file("autoencoder.safetensors"));
  }

  // Latents of every checkpoint (no noise), scaled to unit variance for the diffusion model.
  gen.autoencoder->eval();
  torch::Tensor latents;
  {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> parts, recon_err;
    double err = 0, norm = 0;
    for (int64_t i = 0; i < n; i += 64) {
      torch::Tensor x = data.narrow(0, i, std::min<int64_t>(64, n - i));
      torch::Tensor z = gen.autoencoder->encode(x);
      parts.push_back(z);
      err += (gen.autoencoder->decode(z) - x).pow(2).sum().item<double>();
      norm += x.pow(2).sum().item<double>();
    }
    latents = torch::cat(parts);
    result.reconstruction_error = norm > 0 ? std::sqrt(err / norm) : 0;
    if (st.step == 0) st.latent_scale = 1.0 / std::max(1e-8, latents.std().item<double>());
  }
  gen.latent_scale = st.latent_scale;
  latents = latents * st.latent_scale;

  // ---- stage 2: conditional latent diffusion ----
  auto scheduler = config.make_sampler_scheduler("ddpm");
  auto ema = make_denoiser(config.denoiser);
  ema->to(device);
  const bool encoder_trains = !gen.condition_encoder->parameters().empty();
  if (st.step > 0) {
    load_module_weights(*gen.denoiser, state.file("denoiser.safetensors"));
    load_module_weights(*ema, state.file("denoiser_ema.safetensors"));
    if (encoder_trains) load_module_weights(*gen.condition_encoder, state.file("condition_encoder.safetensors"));
  } else {
    copy_module_weights(*gen.denoiser, *ema);
  }
  std::vector<torch::Tensor> params = gen.denoiser->parameters();
  for (auto& p : gen.condition_encoder->parameters()) params.push_back(p);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(tc.lr).weight_decay(tc.weight_decay));
  if (st.step > 0 && fs::exists(state.file("diffusion_optimizer.pt"))) torch::load(opt, state.file("diffusion_optimizer.pt"));
  std::vector<ConditionInput> task_inputs;
  for (const auto& name : names) task_inputs.push_back(gen.task_condition(name));
  torch::Tensor fixed_features;
  if (!encoder_trains) {
    torch::NoGradGuard no_grad;
    fixed_features = gen.condition_encoder->encode(task_inputs).to(device);
  }
  const int64_t T = scheduler->num_train_timesteps();
  Reporter rep("diffusion", tc.diffusion_steps, report_every, progress, log_path);
  rep.start_at(st.step);
  gen.denoiser->train();
  gen.condition_encoder->train();
  auto checkpoint = [&](int64_t step) {
    st.step = step;
    save_module_weights(*gen.denoiser, state.file("denoiser.safetensors"));
    save_module_weights(*ema, state.file("denoiser_ema.safetensors"));
    if (encoder_trains) save_module_weights(*gen.condition_encoder, state.file("condition_encoder.safetensors"));
    save_optimizer(opt, state.file("diffusion_optimizer.pt"));
    write_state(state, st, config.to_json());
  };
  const auto opts_long = torch::TensorOptions().dtype(torch::kLong).device(device);
  for (int64_t step = st.step; step < tc.diffusion_steps; ++step) {
    seed_step(2, step);
    const double lr = scheduled_lr(tc.lr, step, tc.diffusion_steps, tc.warmup_steps);
    set_lr(opt, lr);
    const torch::Tensor idx = pick(std::min(tc.batch, n));
    const torch::Tensor x0 = latents.index_select(0, idx);
    const torch::Tensor t = torch::randint(T, {idx.size(0)}, opts_long);
    const torch::Tensor noise = torch::randn_like(x0);
    const torch::Tensor xt = scheduler->add_noise(x0, noise, t);
    const torch::Tensor target = config.denoiser.prediction == "v_prediction" ? scheduler->get_velocity(x0, noise, t) : noise;
    const torch::Tensor task_of_row = data_task.index_select(0, idx);
    torch::Tensor cond;
    if (encoder_trains) {
      std::vector<ConditionInput> batch;
      const auto host = task_of_row.cpu();
      for (int64_t i = 0; i < host.size(0); ++i) batch.push_back(task_inputs[static_cast<size_t>(host[i].item<int64_t>())]);
      cond = gen.condition_encoder->encode(batch);
    } else {
      cond = fixed_features.index_select(0, task_of_row);
    }
    const torch::Tensor drop = (torch::rand({idx.size(0), 1}, torch::TensorOptions().device(device)) < tc.cond_dropout).to(cond.dtype());
    cond = cond * (1 - drop) + gen.denoiser->null_condition().unsqueeze(0) * drop;
    torch::Tensor pred;
    {
      AutocastGuard ac(autocast);
      pred = gen.denoiser->forward(xt, t, cond);
    }
    torch::Tensor loss = torch::mse_loss(pred.to(torch::kFloat), target);
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, tc.grad_clip);
    opt.step();
    ema_update(*ema, *gen.denoiser, std::min(tc.ema_decay, (1.0 + step) / (10.0 + step)));
    const bool go_on = rep.add(step + 1, loss.item<double>(), lr);
    if ((step + 1) % tc.checkpoint_every == 0 || !go_on) checkpoint(step + 1);
    if (!go_on) {
      result.cancelled = true;
      return result;
    }
  }
  result.final_diffusion_loss = rep.last_loss();
  copy_module_weights(*ema, *gen.denoiser);
  gen.eval();
  gen.to(torch::kCPU);
  gen.save(out_dir);
  remove_tree(state.dir.string());  // finished: the bundle is complete
  return result;
}

}  // namespace lorastudio
