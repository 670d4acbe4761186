#pragma once
// ASCII case folding for names read from users and files (enum names, option values).
#include <string>
#include <string_view>

namespace lorastudio {

std::string ascii_lower(std::string_view text);

}  // namespace lorastudio
