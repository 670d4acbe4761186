#include "core/generator/unseen_guidance.h"

#include <cmath>

#include "core/util/json_reader.h"

namespace lorastudio {

void read_sampling(const JsonReader& r, GenerateOptions& o, double& unseen_guidance) {
  read_sampling(r, o);
  unseen_guidance = o.guidance;
  r.read("unseen_guidance", unseen_guidance, 0.0, kMaxGuidance);
}

nlohmann::json sampling_json(const GenerateOptions& o, double unseen_guidance) {
  nlohmann::json j = sampling_json(o);
  if (!std::isnan(unseen_guidance) && unseen_guidance != o.guidance) j["unseen_guidance"] = unseen_guidance;
  return j;
}

GenerateOptions sampling_for_condition(GenerateOptions o, double unseen_guidance, bool trained_on) {
  if (!trained_on && !std::isnan(unseen_guidance)) o.guidance = unseen_guidance;
  return o;
}

}  // namespace lorastudio
