#pragma once
// The trajectory view as an SVG document (vector shapes, not a picture of the screen): a title with the
// embedding space, the sample paths as polylines, the points as circles (checkpoints), diamonds (soups) and
// stars (generated), and a legend of the tasks.
#include <vector>

#include <QString>

#include "widgets/trajectory_scene.h"

namespace lorastudio::widgets {

QString trajectory_svg(const TrajectoryScene& scene, const std::vector<float>& xy, int width, int height);

}  // namespace lorastudio::widgets
