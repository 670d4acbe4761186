#pragma once
// Reading a required field of a JSON object, with errors that name the file, the place and the key.
#include <string>

#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace lorastudio {

template <typename T>
T json_field(const nlohmann::json& j, const char* key, const std::string& label, const std::string& where) {
  if (!j.is_object()) throw FileError(label, where + " is not a JSON object");
  auto it = j.find(key);
  if (it == j.end()) throw FileError(label, where + ": missing \"" + key + "\"");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw FileError(label, where + ": \"" + key + "\" has the wrong type (" + it->type_name() + ")");
  }
}

}  // namespace lorastudio
