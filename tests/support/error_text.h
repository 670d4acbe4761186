#pragma once
// The message of the exception `fn` throws, or an empty string when it throws none.
#include <QString>

#include <exception>

namespace lorastudio::test {

template <typename Fn>
QString error_of(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

}  // namespace lorastudio::test
