#include "core/models/resnet.h"

#include <regex>

#include "core/io/checkpoint_reader.h"
#include "core/models/hf_config.h"
#include "core/models/weight_loading.h"
#include "core/util/error.h"

namespace lorastudio::models {

namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

}  // namespace

std::string ResNetConfig::summary() const {
  std::string s = "resnet: blocks";
  for (int64_t b : blocks) s += " " + std::to_string(b);
  return s + ", " + std::to_string(num_classes) + " classes";
}

ResNetConfig ResNetConfig::from_checkpoint(const CheckpointReader& checkpoint) {
  if (!checkpoint.contains("conv1.weight") || !checkpoint.contains("fc.weight")) {
    throw FileError(checkpoint.source_path(), "is not a torchvision ResNet (no conv1.weight and fc.weight)");
  }
  ResNetConfig c;
  c.blocks.assign(4, 0);
  const std::regex block(R"(^layer([1-4])\.([0-9]+)\.conv1\.weight$)");
  for (const std::string& name : checkpoint.names()) {
    std::smatch m;
    if (!std::regex_match(name, m, block)) continue;
    auto& count = c.blocks[static_cast<size_t>(std::stoi(m[1]) - 1)];
    count = std::max<int64_t>(count, std::stoll(m[2]) + 1);
  }
  for (size_t s = 0; s < 4; ++s) {
    if (c.blocks[s] == 0) {
      throw FileError(checkpoint.source_path(), "has no blocks in layer" + std::to_string(s + 1) + ": not a ResNet");
    }
  }
  c.num_classes = checkpoint.info("fc.weight").shape.at(0);
  return c;
}

ResNetImpl::ResNetImpl(const ResNetConfig& config) : config_(config) {
  conv1_ = register_module("conv1", conv(3, 64, 7, 2, 3));
  bn1_ = register_module("bn1", torch::nn::BatchNorm2d(64));
  int64_t in = 64;
  for (size_t stage = 0; stage < 4; ++stage) {
    const int64_t planes = 64 << stage;
    auto layer = child_module(*this, "layer" + std::to_string(stage + 1));
    for (int64_t i = 0; i < config.blocks[stage]; ++i) {
      const int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      auto block = child_module(*layer, std::to_string(i));
      Block b;
      b.conv1 = block->register_module("conv1", conv(in, planes, 3, stride, 1));
      b.bn1 = block->register_module("bn1", torch::nn::BatchNorm2d(planes));
      b.conv2 = block->register_module("conv2", conv(planes, planes, 3, 1, 1));
      b.bn2 = block->register_module("bn2", torch::nn::BatchNorm2d(planes));
      if (stride != 1 || in != planes) {
        auto down = child_module(*block, "downsample");
        b.down_conv = down->register_module("0", conv(in, planes, 1, stride, 0));
        b.down_bn = down->register_module("1", torch::nn::BatchNorm2d(planes));
      }
      blocks_.push_back(b);
      in = planes;
    }
  }
  fc_ = register_module("fc", torch::nn::Linear(512, config.num_classes));
}

torch::Tensor ResNetImpl::run_block(Block& b, const torch::Tensor& x) {
  auto out = torch::relu(b.bn1(b.conv1(x)));
  out = b.bn2(b.conv2(out));
  auto identity = b.down_conv ? b.down_bn(b.down_conv(x)) : x;
  return torch::relu(out + identity);
}

ResNetOutput ResNetImpl::forward(const torch::Tensor& images) {
  auto x = torch::relu(bn1_(conv1_(images)));
  x = torch::max_pool2d(x, 3, 2, 1);
  for (Block& b : blocks_) x = run_block(b, x);
  ResNetOutput out;
  out.pooled = x.mean({2, 3});
  out.logits = fc_(out.pooled);
  return out;
}

ResNet load_resnet(const std::string& path) {
  CheckpointReader checkpoint(path);
  ResNetConfig config = ResNetConfig::from_checkpoint(checkpoint);
  ResNet model(config);
  WeightLoadOptions options;
  options.config_summary = config.summary();
  load_weights(*model, checkpoint, options);
  model->eval();
  return model;
}

}  // namespace lorastudio::models
