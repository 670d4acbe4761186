#pragma once
// The style world's photos: the images scripts/fetch-photos.sh unpacks from Debian packages into the cache,
// with their manifest (manifest.tsv: name, file, split, package, version, path in the package, licence), and
// random training patches cut from them (crops of random size and place, resized, flipped).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace lorastudio {

struct Photo {
  std::string name, file, split;  // split: train | held_out | painting
  std::string package, version, source_path, licence;
};

class PhotoSet {
 public:
  // Reads DIR/manifest.tsv; a missing or malformed manifest, or a listed file that is not there, is a
  // FileError naming the file (and the line) with the hint to run scripts/fetch-photos.sh.
  static PhotoSet open(const std::string& dir);
  // $LORASTUDIO_PHOTOS, else $XDG_CACHE_HOME/lora-studio/photos.
  static std::string default_dir();

  const std::vector<Photo>& photos() const { return photos_; }
  std::vector<Photo> split(const std::string& name) const;  // in manifest order
  std::string path(const Photo& photo) const;
  torch::Tensor load(const Photo& photo) const;              // [3, H, W] float in [0, 1]
  torch::Tensor load(const std::string& name) const;         // by name; FileError when the manifest has none
  std::vector<torch::Tensor> load_split(const std::string& split) const;  // Error when the split is empty

 private:
  std::string dir_;
  std::vector<Photo> photos_;
};

struct PatchOptions {
  int64_t size = 64;        // output patches are size × size
  double min_scale = 0.25;  // crop side as a fraction of the image's shorter side, drawn from [min, max]
  double max_scale = 1.0;
  bool flips = true;        // left-right flip with probability 1/2
};

// `count` patches [count, 3, size, size] from `images` ([3, H, W] each, in [0, 1]): each from a random image,
// a square crop at a random place, resized (bilinear, antialiased when shrinking) and maybe flipped. The same
// seed gives the same patches. Throws Error for no images, an image smaller than 2×2 or bad options.
torch::Tensor random_patches(const std::vector<torch::Tensor>& images, int64_t count, const PatchOptions& options,
                             uint64_t seed);

}  // namespace lorastudio
