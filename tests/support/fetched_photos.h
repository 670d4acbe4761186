#pragma once
// The photos scripts/fetch-photos.sh put in the cache (scripts/test.sh fetches them), for tests that need
// real photos: the set, or why it is not there (the test then skips and says so).
#include <optional>
#include <string>

#include "core/imaging/photo_set.h"
#include "core/util/error.h"

namespace lorastudio::test {

inline std::optional<PhotoSet> fetched_photos(std::string* why) {
  try {
    return PhotoSet::open(PhotoSet::default_dir());
  } catch (const FileError& e) {
    *why = std::string("no fetched photos (") + e.what() + "); scripts/test.sh fetches them";
    return std::nullopt;
  }
}

}  // namespace lorastudio::test
