#pragma once
// "[#####.....] 12/40 label" on stderr: redrawn in place on a terminal, printed once at the end otherwise;
// and Ctrl-C turned into a cancel request that long work polls.
#include <string>

namespace lorastudio::cli {

class ProgressBar {
 public:
  ProgressBar();
  void update(long long done, long long total, const std::string& label = {});
  void finish();

 private:
  std::string line() const;
  bool tty_;
  long long done_ = 0, total_ = 0;
  std::string label_;
};

// Installs a SIGINT handler (once); interrupted() then turns true after Ctrl-C.
void watch_interrupts();
bool interrupted();

}  // namespace lorastudio::cli
