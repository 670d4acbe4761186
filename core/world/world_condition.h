#pragma once
// A condition the studio generates for: a world's own (a bundled style, a task with its description) or one
// the user brought (a picked image, a typed description). Plain data, no LibTorch, so the GUI can hold it.
#include <string>
#include <vector>

namespace lorastudio {

struct ConditionInput;  // core/generator/condition_encoder.h

enum class ConditionKind { Image, Text };
std::string to_string(ConditionKind kind);  // "image", "text"

// One condition the world offers (a bundled style, a task), or one the user brought (a picked image, a
// typed description).
struct WorldCondition {
  std::string name;                   // unique within the world ("sepia", "task2")
  std::string group;                  // what colours it in the trajectory view (a style family, a task kind)
  std::string text;                   // a task description (text worlds)
  std::vector<std::string> examples;  // its few-shot examples
  std::string image;                  // a style image's absolute path (image worlds)
  bool held_out = false;              // never trained on
  bool own = false;                   // brought by the user
  // The engine's input for it (the image is read from disk; see studio_world.cpp). Throws FileError for an
  // unreadable image.
  ConditionInput input() const;
};

}  // namespace lorastudio
