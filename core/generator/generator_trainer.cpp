#include "core/generator/generator_trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/generator/autocast_guard.h"
#include "core/generator/conditional_generator.h"
#include "core/generator/module_weights.h"
#include "core/generator/training_state.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_reader.h"
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

void check_finite_loss(double loss, const char* stage, int64_t step, int64_t last_checkpoint, const std::string& state_dir,
                       const char* lr_key) {
  if (std::isfinite(loss)) return;
  throw Error(std::string("training stopped: the ") + stage + " loss became " + (std::isnan(loss) ? "NaN" : "infinite") +
              " at step " + std::to_string(step) + ". " +
              (last_checkpoint > 0 ? "The last good checkpoint (step " + std::to_string(last_checkpoint) + ") is kept in " +
                                         state_dir + "; "
                                   : std::string("No checkpoint of this stage was saved yet; ")) +
              "lower train." + lr_key + " or train.grad_clip in the config, then run again" +
              (last_checkpoint > 0 ? " with --resume" : ""));
}

// One training run: its data, state files and the two stages, each a small step.
class GeneratorTraining {
 public:
  GeneratorTraining(const Zoo& zoo, const GeneratorConfig& config, std::string out_dir, const TrainCallback& progress,
                    int64_t report_every)
      : zoo_(zoo), tc_(config.train), out_dir_(std::move(out_dir)), state_{fs::path(out_dir_) / "state"},
        log_path_((fs::path(out_dir_) / "training_log.jsonl").string()), progress_(progress), report_every_(report_every),
        device_(tc_.device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU)),
        normalizer_(config.normalization), config_json_(config.to_json()) {
    result_.output_dir = out_dir_;
  }

  TrainResult run(const GeneratorConfig& config, bool resume) {
    open_state(config, resume);
    torch::manual_seed(tc_.seed);
    prepare_data();
    GeneratorConfig c = config;
    const torch::Tensor kept = varying_coordinates(c.autoencoder);
    gen_ = std::make_unique<ConditionalGenerator>(c, zoo_.layout(), normalizer_, tasks_of(zoo_));
    if (kept.defined()) gen_->autoencoder->set_kept_coordinates(kept);
    gen_->to(device_);
    if (st_.stage == "autoencoder") {
      if (!train_autoencoder()) return cancelled();
    } else {
      load_module_weights(*gen_->autoencoder, state_.file("autoencoder.safetensors"));
    }
    encode_latents();
    if (!train_diffusion()) return cancelled();
    finish();
    return result_;
  }

 private:
  TrainResult cancelled() {
    result_.cancelled = true;
    return result_;
  }

  void open_state(const GeneratorConfig& config, bool resume) {
    std::error_code ec;
    fs::create_directories(state_.dir, ec);
    if (ec) throw FileError(out_dir_, "cannot create the output directory: " + ec.message());
    if (!resume) {
      if (fs::exists(state_.json()))
        throw FileError(out_dir_, "holds an unfinished training run; pass --resume to continue it or remove the directory");
      return;
    }
    if (!fs::exists(state_.json())) throw FileError(state_.json(), "missing: nothing to resume (train without --resume first)");
    const nlohmann::json saved = read_state(state_, st_);
    if (saved.contains("config") && resumable_config(saved["config"]) != resumable_config(config.to_json()))
      throw FileError(state_.json(), "the interrupted run used another config; resume with the same config (only "
                                     "train.device may change) or start a new run in another directory");
    if (saved.contains("zoo") && saved["zoo"] != zoo_fingerprint(zoo_))
      throw FileError(state_.json(), "the zoo changed since the interrupted run (tasks or checkpoint counts: was " +
                                         saved["zoo"].dump() + "); resume on the same zoo or start a new run");
    result_.resumed = true;
  }

  void save_state() const { write_state(state_, st_, config_json_, zoo_fingerprint(zoo_)); }

  // Randomness is a function of (seed, stage, step) alone: the initial weights come from the seed, and every
  // step reseeds (batch, noise, timesteps, condition dropout). A run resumed from any checkpoint therefore
  // continues exactly as the uninterrupted run would have (on the CPU, where kernels are deterministic).
  void seed_step(int64_t stage, int64_t step) const {
    torch::manual_seed(tc_.seed * 1000003ULL + static_cast<uint64_t>(stage) * 10000019ULL + static_cast<uint64_t>(step));
  }

  torch::Tensor pick(int64_t batch) const {
    return torch::randint(data_.size(0), {std::min(batch, data_.size(0))}, torch::TensorOptions().dtype(torch::kLong).device(device_));
  }

  // Every task's checkpoints, normalised, with the task of each row.
  void prepare_data() {
    normalizer_.fit(zoo_);
    std::vector<torch::Tensor> rows;
    std::vector<int64_t> row_task;
    const auto names = zoo_.tasks();
    for (size_t i = 0; i < names.size(); ++i) {
      torch::Tensor x = normalizer_.encode(names[i], zoo_.task_params(names[i]));
      rows.push_back(x);
      row_task.insert(row_task.end(), static_cast<size_t>(x.size(0)), static_cast<int64_t>(i));
    }
    data_ = torch::cat(rows).to(device_);
    data_task_ = torch::tensor(row_task, torch::kLong).to(device_);
  }

  // "varying" coordinates: those whose normalised value is not the same in every checkpoint (sets active_dim).
  torch::Tensor varying_coordinates(AutoencoderConfig& ae) const {
    if (ae.coordinates != "varying") return {};
    const torch::Tensor spread = std::get<0>(data_.max(0)) - std::get<0>(data_.min(0));
    const torch::Tensor kept = torch::nonzero(spread > 1e-6).flatten().to(torch::kCPU);
    if (kept.numel() == 0) throw Error("every coordinate of the zoo is constant: there is nothing to learn");
    ae.active_dim = kept.numel();
    return kept;
  }

  bool train_autoencoder();
  void encode_latents();
  bool train_diffusion();
  torch::Tensor condition_batch(const torch::Tensor& task_of_row, const std::vector<std::vector<ConditionInput>>& inputs,
                                const torch::Tensor& fixed_features) const;

  void finish() {
    gen_->eval();
    gen_->to(torch::kCPU);
    gen_->save(out_dir_);
    remove_tree(state_.dir.string());  // finished: the bundle is complete
  }

  const Zoo& zoo_;
  const TrainConfig& tc_;
  std::string out_dir_;
  StateFiles state_;
  std::string log_path_;
  const TrainCallback& progress_;
  int64_t report_every_;
  torch::Device device_;
  ParameterNormalizer normalizer_;
  nlohmann::json config_json_;  // the config as given (compared on resume)
  StageState st_;
  TrainResult result_;
  torch::Tensor data_, data_task_, latents_;
  std::unique_ptr<ConditionalGenerator> gen_;
};

bool GeneratorTraining::train_autoencoder() {
  ParamAutoencoder& ae = gen_->autoencoder;
  if (ae->is_linear()) {  // principal components: fitted at once, nothing to train
    ae->fit_principal_components(data_);  // its loss, the reconstruction's mean squared error: encode_latents()
    st_.stage = "diffusion";
    st_.step = 0;
    save_module_weights(*ae, state_.file("autoencoder.safetensors"));
    save_state();
    return true;
  }
  if (st_.step > 0) load_module_weights(*ae, state_.file("autoencoder.safetensors"));
  torch::optim::AdamW opt(ae->parameters(), torch::optim::AdamWOptions(tc_.ae_lr).weight_decay(tc_.weight_decay));
  if (st_.step > 0 && fs::exists(state_.file("ae_optimizer.pt"))) torch::load(opt, state_.file("ae_optimizer.pt"));
  Reporter rep("autoencoder", tc_.ae_steps, report_every_, progress_, log_path_);
  rep.start_at(st_.step);
  ae->train();
  int64_t last_checkpoint = st_.step;
  auto checkpoint = [&](int64_t step) {
    st_.step = last_checkpoint = step;
    save_module_weights(*ae, state_.file("autoencoder.safetensors"));
    save_optimizer(opt, state_.file("ae_optimizer.pt"));
    save_state();
  };
  const bool autocast = device_.is_cuda() && tc_.bf16;
  for (int64_t step = st_.step; step < tc_.ae_steps; ++step) {
    seed_step(1, step);
    const double lr = scheduled_lr(tc_.ae_lr, step, tc_.ae_steps, tc_.warmup_steps);
    set_lr(opt, lr);
    const torch::Tensor x = data_.index_select(0, pick(tc_.ae_batch));
    AutoencoderOutput out;
    {
      AutocastGuard ac(autocast);
      out = ae->forward(x);
    }
    torch::Tensor loss = torch::mse_loss(out.reconstruction.to(torch::kFloat), x) + gen_->config.autoencoder.kl_weight * out.kl.to(torch::kFloat);
    const double value = loss.item<double>();
    check_finite_loss(value, "autoencoder", step + 1, last_checkpoint, state_.dir.string(), "ae_lr");
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(ae->parameters(), tc_.grad_clip);
    opt.step();
    const bool go_on = rep.add(step + 1, value, lr);
    if ((step + 1) % tc_.checkpoint_every == 0 || !go_on) checkpoint(step + 1);
    if (!go_on) return false;
  }
  result_.final_autoencoder_loss = rep.last_loss();
  st_.stage = "diffusion";
  st_.step = 0;
  save_module_weights(*ae, state_.file("autoencoder.safetensors"));
  save_state();
  return true;
}

// Latents of every checkpoint (no noise), scaled to unit variance for the diffusion model; the reconstruction
// error against the data's norm and against the within-task variation.
void GeneratorTraining::encode_latents() {
  gen_->autoencoder->eval();
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts, recon;
  for (int64_t i = 0; i < data_.size(0); i += 64) {
    const torch::Tensor x = data_.narrow(0, i, std::min<int64_t>(64, data_.size(0) - i));
    parts.push_back(gen_->autoencoder->encode(x));
    recon.push_back(gen_->autoencoder->decode(parts.back()));
  }
  latents_ = torch::cat(parts);
  const torch::Tensor x = data_.to(torch::kDouble), err = torch::cat(recon).to(torch::kDouble) - x;
  const double norm = x.square().sum().item<double>();
  result_.reconstruction_error = norm > 0 ? std::sqrt(err.square().sum().item<double>() / norm) : 0;
  result_.reconstruction_rms = std::sqrt(err.square().sum(1).mean().item<double>());
  if (gen_->autoencoder->is_linear()) result_.final_autoencoder_loss = err.square().mean().item<double>();
  double within = 0;
  for (int64_t k = 0; k < static_cast<int64_t>(zoo_.tasks().size()); ++k) {
    const torch::Tensor rows = x.index_select(0, (data_task_ == k).nonzero().squeeze(1));
    within += (rows - rows.mean(0)).square().sum().item<double>();
  }
  result_.within_task_rms = std::sqrt(within / double(data_.size(0)));
  result_.reconstruction_to_spread = result_.within_task_rms > 0 ? result_.reconstruction_rms / result_.within_task_rms : 0;
  if (st_.step == 0) st_.latent_scale = 1.0 / std::max(1e-8, latents_.std().item<double>());
  gen_->latent_scale = st_.latent_scale;
  latents_ = latents_ * st_.latent_scale;
}

// Each row's condition: its task's, one of the task's condition images drawn at random when it has several.
torch::Tensor GeneratorTraining::condition_batch(const torch::Tensor& task_of_row,
                                                 const std::vector<std::vector<ConditionInput>>& inputs,
                                                 const torch::Tensor& fixed_features) const {
  torch::Tensor cond;
  if (fixed_features.defined()) {
    cond = fixed_features.index_select(0, task_of_row);
  } else {
    std::vector<ConditionInput> batch;
    const auto host = task_of_row.cpu();
    const torch::Tensor draw = torch::randint(1 << 20, {host.size(0)}, torch::kLong);
    for (int64_t i = 0; i < host.size(0); ++i) {
      const auto& variants = inputs[static_cast<size_t>(host[i].item<int64_t>())];
      batch.push_back(variants[static_cast<size_t>(draw[i].item<int64_t>()) % variants.size()]);
    }
    cond = gen_->condition_encoder->encode(batch);
  }
  const torch::Tensor drop =
      (torch::rand({cond.size(0), 1}, torch::TensorOptions().device(device_)) < tc_.cond_dropout).to(cond.dtype());
  return cond * (1 - drop) + gen_->denoiser->null_condition().unsqueeze(0) * drop;
}

bool GeneratorTraining::train_diffusion() {
  ConditionalGenerator& g = *gen_;
  auto scheduler = g.config.make_sampler_scheduler("ddpm");
  auto ema = make_denoiser(g.config.denoiser);
  ema->to(device_);
  const bool encoder_trains = !g.condition_encoder->parameters().empty();
  if (st_.step > 0) {
    load_module_weights(*g.denoiser, state_.file("denoiser.safetensors"));
    load_module_weights(*ema, state_.file("denoiser_ema.safetensors"));
    if (encoder_trains) load_module_weights(*g.condition_encoder, state_.file("condition_encoder.safetensors"));
  } else {
    copy_module_weights(*g.denoiser, *ema);
  }
  std::vector<torch::Tensor> params = g.denoiser->parameters();
  for (auto& p : g.condition_encoder->parameters()) params.push_back(p);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(tc_.lr).weight_decay(tc_.weight_decay));
  if (st_.step > 0 && fs::exists(state_.file("diffusion_optimizer.pt"))) torch::load(opt, state_.file("diffusion_optimizer.pt"));
  std::vector<std::vector<ConditionInput>> inputs;
  for (const auto& name : zoo_.tasks()) inputs.push_back(g.task_condition_variants(name));
  torch::Tensor fixed_features;
  if (!encoder_trains) {
    torch::NoGradGuard no_grad;
    std::vector<ConditionInput> first;
    for (const auto& v : inputs) first.push_back(v.front());
    fixed_features = g.condition_encoder->encode(first).to(device_);
  }
  Reporter rep("diffusion", tc_.diffusion_steps, report_every_, progress_, log_path_);
  rep.start_at(st_.step);
  g.denoiser->train();
  g.condition_encoder->train();
  int64_t last_checkpoint = st_.step;
  auto checkpoint = [&](int64_t step) {
    st_.step = last_checkpoint = step;
    save_module_weights(*g.denoiser, state_.file("denoiser.safetensors"));
    save_module_weights(*ema, state_.file("denoiser_ema.safetensors"));
    if (encoder_trains) save_module_weights(*g.condition_encoder, state_.file("condition_encoder.safetensors"));
    save_optimizer(opt, state_.file("diffusion_optimizer.pt"));
    save_state();
  };
  const int64_t T = scheduler->num_train_timesteps();
  const bool autocast = device_.is_cuda() && tc_.bf16;
  for (int64_t step = st_.step; step < tc_.diffusion_steps; ++step) {
    seed_step(2, step);
    const double lr = scheduled_lr(tc_.lr, step, tc_.diffusion_steps, tc_.warmup_steps);
    set_lr(opt, lr);
    const torch::Tensor idx = pick(tc_.batch);
    const torch::Tensor x0 = latents_.index_select(0, idx);
    const torch::Tensor t = torch::randint(T, {idx.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(device_));
    const torch::Tensor noise = torch::randn_like(x0);
    const torch::Tensor xt = scheduler->add_noise(x0, noise, t);
    const torch::Tensor target = g.config.denoiser.prediction == "v_prediction" ? scheduler->get_velocity(x0, noise, t) : noise;
    const torch::Tensor cond = condition_batch(data_task_.index_select(0, idx), inputs, fixed_features);
    torch::Tensor pred;
    {
      AutocastGuard ac(autocast);
      pred = g.denoiser->forward(xt, t, cond);
    }
    torch::Tensor loss = torch::mse_loss(pred.to(torch::kFloat), target);
    const double value = loss.item<double>();
    check_finite_loss(value, "diffusion", step + 1, last_checkpoint, state_.dir.string(), "lr");
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, tc_.grad_clip);
    opt.step();
    ema_update(*ema, *g.denoiser, std::min(tc_.ema_decay, (1.0 + step) / (10.0 + step)));
    const bool go_on = rep.add(step + 1, value, lr);
    if ((step + 1) % tc_.checkpoint_every == 0 || !go_on) checkpoint(step + 1);
    if (!go_on) return false;
  }
  result_.final_diffusion_loss = rep.last_loss();
  copy_module_weights(*ema, *g.denoiser);
  return true;
}

}  // namespace

TrainResult train_generator(const Zoo& zoo, const GeneratorConfig& config, const std::string& out_dir, bool resume,
                            const TrainCallback& progress, int64_t report_every) {
  if (zoo.tasks().empty()) throw FileError(zoo.dir(), "the zoo has no tasks to train on");
  if (config.train.device == "cuda" && !torch::cuda::is_available())
    throw Error("train.device is cuda but no CUDA device is available");
  torch::AutoGradMode grad_on(true);  // thread-local: the caller's thread may be in inference mode
  GeneratorTraining training(zoo, config, out_dir, progress, report_every);
  return training.run(config, resume);
}

}  // namespace lorastudio
