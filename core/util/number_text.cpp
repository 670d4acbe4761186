#include "core/util/number_text.h"

#include <iomanip>
#include <sstream>

namespace lorastudio {

std::string fixed_decimals(double value, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << value;
  return s.str();
}

}  // namespace lorastudio
