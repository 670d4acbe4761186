#pragma once
// A number as text with a fixed count of decimals ("24.40"), for summaries and reports.
#include <string>

namespace lorastudio {

std::string fixed_decimals(double value, int decimals);

}  // namespace lorastudio
