#pragma once
// How readable a 2-D layout is, measured without looking at it: whether each point's nearest neighbours in
// the layout share its label (clusters stay apart) and are its neighbours in the input space.
#include <torch/torch.h>

namespace lorastudio::embed {

// Mean share of each point's k nearest layout neighbours [N, 2] with its label [N].
double neighbour_label_agreement(const torch::Tensor& layout, const torch::Tensor& labels, int64_t k = 10);

// Mean share of each point's k nearest input neighbours [N, D] that are among its k nearest in the layout.
double neighbour_preservation(const torch::Tensor& input, const torch::Tensor& layout, int64_t k = 10);

}  // namespace lorastudio::embed
