#include "core/imaging/photo_set.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <torch/torch.h>

#include "core/imaging/image_io.h"
#include "core/util/error.h"
#include "core/util/xdg_paths.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

constexpr const char* kFetchHint = " (run scripts/fetch-photos.sh to fetch the photos)";
constexpr const char* kRefetchHint = " (delete the folder and run scripts/fetch-photos.sh again)";

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream s(line);
  std::string field;
  while (std::getline(s, field, '\t')) fields.push_back(field);
  return fields;
}

Photo parse_line(const std::string& line, const std::string& manifest, int number) {
  const std::vector<std::string> f = split_tabs(line);
  const std::string where = "line " + std::to_string(number) + ": ";
  if (f.size() != 7) throw FileError(manifest, where + "expected 7 tab-separated fields, found " + std::to_string(f.size()) + kRefetchHint);
  Photo p{f[0], f[1], f[2], f[3], f[4], f[5], f[6]};
  if (p.split != "train" && p.split != "held_out" && p.split != "painting")
    throw FileError(manifest, where + "split \"" + p.split + "\" is not train, held_out or painting" + kRefetchHint);
  if (p.file.empty() || p.file.find('/') != std::string::npos || p.file[0] == '.')
    throw FileError(manifest, where + "\"" + p.file + "\" must be a file name in the photo folder" + kRefetchHint);
  return p;
}

// The crop box for one patch: side, top, left.
struct Crop {
  int64_t side, top, left;
};

Crop random_crop(int64_t height, int64_t width, const PatchOptions& o, std::mt19937_64& rng) {
  const int64_t shorter = std::min(height, width);
  std::uniform_real_distribution<double> scale(o.min_scale, o.max_scale);
  const int64_t side = std::max<int64_t>(2, std::min(shorter, static_cast<int64_t>(std::lround(scale(rng) * shorter))));
  std::uniform_int_distribution<int64_t> top(0, height - side), left(0, width - side);
  return {side, top(rng), left(rng)};
}

torch::Tensor resize_square(const torch::Tensor& crop, int64_t size) {
  namespace F = torch::nn::functional;
  if (crop.size(-1) == size) return crop;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kBilinear).align_corners(false);
  options.antialias(crop.size(-1) > size);
  return F::interpolate(crop.unsqueeze(0), options).squeeze(0).clamp(0, 1);
}

}  // namespace

std::string PhotoSet::default_dir() {
  if (const char* env = std::getenv("LORASTUDIO_PHOTOS"); env && *env) return env;
  return (fs::path(user_cache_dir()) / "photos").string();
}

PhotoSet PhotoSet::open(const std::string& dir) {
  const std::string manifest = (fs::path(dir) / "manifest.tsv").string();
  std::ifstream in(manifest);
  if (!in) throw FileError(manifest, std::string("missing: no photo manifest") + kFetchHint);
  PhotoSet set;
  set.dir_ = dir;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    Photo p = parse_line(line, manifest, number);
    if (!fs::is_regular_file(set.path(p))) throw FileError(set.path(p), std::string("missing: listed in the manifest") + kFetchHint);
    set.photos_.push_back(std::move(p));
  }
  if (set.photos_.empty()) throw FileError(manifest, std::string("lists no photos") + kFetchHint);
  return set;
}

std::vector<Photo> PhotoSet::split(const std::string& name) const {
  std::vector<Photo> out;
  for (const auto& p : photos_)
    if (p.split == name) out.push_back(p);
  return out;
}

std::string PhotoSet::path(const Photo& photo) const { return (fs::path(dir_) / photo.file).string(); }

torch::Tensor PhotoSet::load(const Photo& photo) const { return load_rgb_image(path(photo)); }

torch::Tensor PhotoSet::load(const std::string& name) const {
  for (const auto& p : photos_)
    if (p.name == name) return load(p);
  throw FileError(dir_ + "/manifest.tsv", "has no photo named \"" + name + "\" (run scripts/fetch-photos.sh again?)");
}

std::vector<torch::Tensor> PhotoSet::load_split(const std::string& split) const {
  std::vector<torch::Tensor> images;
  for (const auto& p : this->split(split)) images.push_back(load(p));
  if (images.empty()) throw FileError(dir_ + "/manifest.tsv", "has no " + split + " photos");
  return images;
}

torch::Tensor random_patches(const std::vector<torch::Tensor>& images, int64_t count, const PatchOptions& o, uint64_t seed) {
  if (images.empty()) throw Error("random_patches: no images");
  if (count < 1 || o.size < 1) throw Error("random_patches: count and size must be positive");
  if (!(o.min_scale > 0) || o.max_scale > 1 || o.min_scale > o.max_scale)
    throw Error("random_patches: scales must satisfy 0 < min_scale <= max_scale <= 1");
  for (const auto& im : images)
    if (im.dim() != 3 || im.size(0) != 3 || im.size(1) < 2 || im.size(2) < 2)
      throw Error("random_patches: images must be [3, H, W] with H, W >= 2");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, images.size() - 1);
  std::bernoulli_distribution flip(0.5);
  torch::Tensor out = torch::empty({count, 3, o.size, o.size});
  for (int64_t i = 0; i < count; ++i) {
    const torch::Tensor& image = images[pick(rng)];
    const Crop c = random_crop(image.size(1), image.size(2), o, rng);
    torch::Tensor patch = resize_square(image.narrow(1, c.top, c.side).narrow(2, c.left, c.side).to(torch::kFloat), o.size);
    if (o.flips && flip(rng)) patch = patch.flip({2});
    out[i].copy_(patch);
  }
  return out;
}

}  // namespace lorastudio
