#include "core/style/style_candidates.h"

#include "core/imaging/image_io.h"
#include "core/imaging/style_ops.h"
#include "core/style/style_demo.h"

namespace lorastudio {

CandidateTable style_candidate_table(const StyleDemo& demo, const std::vector<LoraAdapter>& adapters,
                                     const torch::Tensor& latents, const std::string& condition_image) {
  torch::InferenceMode inference;
  const torch::Tensor condition = load_rgb_image(condition_image);
  const DemoStyle* known = demo.style_for_image(condition);
  std::vector<double> scores;
  if (style_ops::available()) {
    Stylizer stylizer = demo.stylizer;
    std::vector<torch::Tensor> photos;
    for (const auto& p : demo.check.photos) photos.push_back(load_rgb_image(demo.check_photo_path(p)));
    std::vector<const LoraAdapter*> pointers;
    for (const auto& a : adapters) pointers.push_back(&a);
    const Style truth = known ? demo.true_style(known->name) : reference_style("reference", condition);
    scores = check_photo_scores(stylizer, pointers, photos, truth);
  }
  std::optional<double> best, soup;
  if (known && known->scores && !scores.empty()) {
    best = known->scores->original_best;
    soup = known->scores->soup;
  }
  return candidate_table(demo.atlas, latents, known ? known->name : "", scores, best, soup,
                         known ? "PSNR on the check photos against " + known->name + "'s true output, dB"
                               : "PSNR on the check photos against the reference style of the condition image, dB");
}

}  // namespace lorastudio
