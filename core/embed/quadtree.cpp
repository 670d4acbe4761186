// Insertion one point at a time: counts and centres of mass are updated on the way down; a leaf holding a
// point splits when a second, distinct point arrives. Below kMaxDepth points share their leaf.
#include "core/embed/quadtree.h"

#include <algorithm>
#include <cmath>

namespace lorastudio::embed {
namespace {

constexpr int kMaxDepth = 48;

}  // namespace

Quadtree::Quadtree(const float* xy, int64_t count) {
  double min_x = 0, max_x = 0, min_y = 0, max_y = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double x = xy[2 * i], y = xy[2 * i + 1];
    if (i == 0 || x < min_x) min_x = x;
    if (i == 0 || x > max_x) max_x = x;
    if (i == 0 || y < min_y) min_y = y;
    if (i == 0 || y > max_y) max_y = y;
  }
  Cell root;
  root.centre_x = 0.5 * (min_x + max_x);
  root.centre_y = 0.5 * (min_y + max_y);
  root.half_width = std::max({0.5 * (max_x - min_x), 0.5 * (max_y - min_y), 1e-12}) * (1.0 + 1e-6);
  cells_.reserve(static_cast<size_t>(2 * count + 4));
  cells_.push_back(root);
  for (int64_t i = 0; i < count; ++i) insert(xy[2 * i], xy[2 * i + 1]);
  nodes_.reserve(cells_.size());
  for (const Cell& c : cells_) {
    const float width = static_cast<float>(2 * c.half_width);
    nodes_.push_back({static_cast<float>(c.mass_x), static_cast<float>(c.mass_y), width * width, c.count, c.first_child});
  }
}

int32_t Quadtree::child_for(const Cell& cell, double x, double y) const {
  return cell.first_child + (x >= cell.centre_x ? 1 : 0) + (y >= cell.centre_y ? 2 : 0);
}

void Quadtree::split(int32_t index) {
  const int32_t first = static_cast<int32_t>(cells_.size());
  const Cell parent = cells_[index];
  const double h = parent.half_width / 2;
  for (int q = 0; q < 4; ++q) {
    Cell child;
    child.centre_x = parent.centre_x + ((q & 1) ? h : -h);
    child.centre_y = parent.centre_y + ((q & 2) ? h : -h);
    child.half_width = h;
    cells_.push_back(child);
  }
  cells_[index].first_child = first;
  // The leaf's points (all at its centre of mass) move down into one child.
  Cell& moved = cells_[child_for(cells_[index], parent.mass_x, parent.mass_y)];
  moved.count = parent.count;
  moved.mass_x = parent.mass_x;
  moved.mass_y = parent.mass_y;
}

void Quadtree::insert(double x, double y) {
  int32_t index = 0;
  for (int level = 0;; ++level) {
    depth_ = std::max(depth_, level);
    Cell& cell = cells_[index];
    const bool leaf = cell.first_child < 0;
    const bool coincident = cell.count > 0 && cell.mass_x == x && cell.mass_y == y;
    if (leaf && cell.count > 0 && !coincident && level < kMaxDepth) {
      split(index);
      continue;  // the cell is now internal: descend from it again
    }
    const double n = ++cells_[index].count;
    Cell& c = cells_[index];
    c.mass_x += (x - c.mass_x) / n;
    c.mass_y += (y - c.mass_y) / n;
    if (c.first_child < 0) return;  // an empty leaf now holding the point, or a shared leaf
    index = child_for(c, x, y);
  }
}

}  // namespace lorastudio::embed
