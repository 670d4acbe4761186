#pragma once
// zoo.json, the manifest of a LoRA zoo: what tasks it holds, their conditions, checkpoint counts,
// sources and metric names. Read with every field checked (FileError naming zoo.json and the field).
//
//   {"format": "lorastudio-zoo", "version": 1, "dim": 516096,
//    "balance": {"scale_A": 1, "scale_B": 1},
//    "layout": "layout.json" (or null before the first task), "layout_summary": {...},
//    "tasks": [{"name": "class00", "file": "tasks/class00.safetensors", "count": 3,
//               "condition": {"text": "...", "examples": ["..."],
//                             "images": [{"source": "/data/starry.jpg", "file": "images/class00/0_starry.jpg"}]},
//               "sources": ["/loras/class00/seed1", ...], "metrics": ["fid"]}]}
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/zoo/zoo_layout.h"

namespace lorastudio {

inline constexpr const char* kZooManifestName = "zoo.json";
inline constexpr const char* kZooLayoutName = "layout.json";
inline constexpr int kZooVersion = 1;

struct ConditionImage {
  std::string source;  // the path the image was imported from
  std::string file;    // its copy inside the zoo, relative to the zoo directory (empty until stored)
};

// What a generator is conditioned on: a text description with optional few-shot examples, or style images.
struct TaskCondition {
  std::string text;
  std::vector<std::string> examples;
  std::vector<ConditionImage> images;

  static TaskCondition from_text(std::string text, std::vector<std::string> examples = {});
  static TaskCondition from_images(const std::vector<std::string>& image_paths);
  bool empty() const { return text.empty() && examples.empty() && images.empty(); }
  // Same text, examples and image sources (stored copies are not compared).
  bool same_as(const TaskCondition& other) const;
};

struct ZooTaskEntry {
  std::string name;
  std::string file;                       // "tasks/<name>.safetensors"
  int64_t count = 0;                      // N checkpoints
  TaskCondition condition;
  std::vector<std::string> sources;       // N entries: where each checkpoint came from
  std::vector<std::string> metric_names;  // M names; the task file's "metrics" is [N, M]
};

struct ZooManifest {
  int version = kZooVersion;
  int64_t dim = 0;                 // D; 0 until the first task fixes the layout
  bool has_layout = false;         // layout.json is in force
  BalanceOptions balance;
  nlohmann::json layout_summary;   // ZooLayout::summary_json() or null
  std::vector<ZooTaskEntry> tasks;

  const ZooTaskEntry* find(const std::string& name) const;
  ZooTaskEntry* find(const std::string& name);
};

// Task names become file names: 1..100 characters of [A-Za-z0-9._-], not starting with '.'.
// Returns "" or what is wrong with the name.
std::string task_name_problem(const std::string& name);

// A relative path that stays inside its directory: not absolute, no "..", "." or empty parts.
bool is_inside_path(const std::string& path);

nlohmann::json manifest_to_json(const ZooManifest& manifest);
// `label` names the file in errors.
ZooManifest manifest_from_json(const nlohmann::json& j, const std::string& label);

nlohmann::json condition_to_json(const TaskCondition& condition);
TaskCondition condition_from_json(const nlohmann::json& j, const std::string& label, const std::string& where);

}  // namespace lorastudio
