#pragma once
// torchvision's ResNet with BasicBlocks (ResNet-18/34 layout, any number of blocks per stage) in eval mode
// (BatchNorm with its running statistics). The shape is read from the weights themselves — blocks per stage from
// the layerN.M keys, classes from fc.weight — since torchvision files carry no config. Registered names are
// torchvision's state_dict keys (conv1.weight, layer2.0.downsample.1.running_mean, fc.bias). The pooled 512-wide
// features are what a style-image condition encoder uses.
#include <string>
#include <vector>

#include <torch/torch.h>

namespace lorastudio {
class CheckpointReader;
}

namespace lorastudio::models {

struct ResNetConfig {
  std::vector<int64_t> blocks = {2, 2, 2, 2};  // per stage (ResNet-18)
  int64_t num_classes = 1000;
  std::string summary() const;
  static ResNetConfig from_checkpoint(const CheckpointReader& checkpoint);  // FileError when it is not a ResNet
};

struct ResNetOutput {
  torch::Tensor pooled;  // [batch, 512] after global average pooling
  torch::Tensor logits;  // [batch, num_classes]
};

class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(const ResNetConfig& config);
  ResNetOutput forward(const torch::Tensor& images);  // [batch, 3, h, w], normalised as the weights expect
  const ResNetConfig& config() const { return config_; }

 private:
  struct Block {
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, down_conv{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, down_bn{nullptr};
  };
  torch::Tensor run_block(Block& b, const torch::Tensor& x);

  ResNetConfig config_;
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  std::vector<Block> blocks_;
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet);

// A .safetensors file (or a folder holding model.safetensors) of torchvision ResNet weights, any float dtype.
ResNet load_resnet(const std::string& path);

}  // namespace lorastudio::models
