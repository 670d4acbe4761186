#pragma once
// A point-region quadtree over 2-D positions with each cell's point count and centre of mass: the
// Barnes-Hut approximation of t-SNE's repulsive forces summarises a far cell by its centre of mass.
#include <cstdint>
#include <vector>

namespace lorastudio::embed {

class Quadtree {
 public:
  struct Cell {
    double centre_x = 0, centre_y = 0, half_width = 0;  // the square region
    double mass_x = 0, mass_y = 0;                       // centre of mass of its points
    int32_t count = 0;                                   // points inside
    int32_t first_child = -1;                            // four consecutive cells, or -1 for a leaf
  };

  // What the force computation reads: a cell packed into 20 bytes (float centre of mass, as scikit-learn's).
  struct Node {
    float mass_x, mass_y;
    float width2;          // the square of the cell's full width
    int32_t count;
    int32_t first_child;   // -1 for a leaf
  };

  // Builds the tree over `count` points stored as x0, y0, x1, y1, ... Coincident points share a leaf.
  Quadtree(const float* xy, int64_t count);

  const std::vector<Cell>& cells() const { return cells_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const Cell& root() const { return cells_.front(); }
  int depth() const { return depth_; }

 private:
  void insert(double x, double y);
  void split(int32_t cell);
  int32_t child_for(const Cell& cell, double x, double y) const;

  std::vector<Cell> cells_;
  std::vector<Node> nodes_;
  int depth_ = 0;
};

}  // namespace lorastudio::embed
