#pragma once
// Between the API's immutable FloatArray and LibTorch tensors (for code inside core/ and app/ that has
// LibTorch; the public header has none).
#include <torch/types.h>

#include "core/lorastudio.h"

namespace lorastudio::api {

// The tensor's values as a FloatArray without copying when it is a contiguous float32 CPU tensor that
// nothing else will write (the array keeps it alive); otherwise a float32 CPU copy.
FloatArray float_array(const torch::Tensor& tensor);
// A float32 CPU tensor viewing the array's values (no copy). Read it only: the values are shared.
torch::Tensor tensor_view(const FloatArray& array);

}  // namespace lorastudio::api
