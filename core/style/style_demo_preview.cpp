#include "core/style/style_demo_preview.h"

#include "core/imaging/image_metrics.h"
#include "core/imaging/style_ops.h"
#include "core/style/style_world.h"
#include "core/style/stylizer_lora.h"

namespace lorastudio {

StylePreview preview_style_adapters(const StyleDemo& demo, const std::vector<LoraAdapter>& adapters,
                                    const torch::Tensor& photo, const torch::Tensor& condition, int64_t longest) {
  Stylizer stylizer = demo.stylizer;
  StylePreview p;
  p.photo = fit_image(photo, longest);
  p.base = stylize(stylizer, p.photo);
  for (const auto& a : adapters) p.outputs.push_back(stylize(stylizer, p.photo, &a));
  if (!style_ops::available()) return p;
  const DemoStyle* known = demo.style_for_image(condition);
  const Style truth = known ? demo.true_style(known->name) : reference_style("reference", condition);
  p.target_style = known ? known->name : "";
  p.target = truth.apply(p.photo);
  p.base_psnr = psnr(p.base, p.target);
  for (const auto& out : p.outputs) p.psnr.push_back(psnr(out, p.target));
  return p;
}

}  // namespace lorastudio
