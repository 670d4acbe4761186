#pragma once
// The trajectory view's PCA projection: the first two principal components of the training checkpoints
// (fitted once), applied to every point as it arrives, so a sampling path is drawn where a linear view of the
// space puts it. Cheap enough for the GUI thread (two dot products a point).
#include <cstdint>
#include <memory>
#include <vector>

#include "widgets/trajectory_scene.h"

namespace lorastudio::embed {
struct PcaProjection;
}

namespace lorastudio::gui {

class PcaLayout {
 public:
  PcaLayout();
  ~PcaLayout();
  // Fits on `rows` [n, dims] (the checkpoints); throws Error for fewer than 2 rows.
  void fit(const std::vector<float>& rows, int64_t dims);
  bool fitted() const { return projection_ != nullptr; }
  double explained(int component) const;  // share of the variance along component 0 or 1
  // Appends the projections of `rows` to the positions (the scene's order).
  void add(const std::vector<float>& rows);
  widgets::ScenePositions positions() const;  // an immutable copy
  void clear_points() { positions_.clear(); }

 private:
  std::shared_ptr<const embed::PcaProjection> projection_;  // immutable once fitted: copies share it
  int64_t dims_ = 0;
  std::vector<float> positions_;
};

}  // namespace lorastudio::gui
