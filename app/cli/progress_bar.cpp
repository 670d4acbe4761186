#include "app/cli/progress_bar.h"

#include <csignal>
#include <iostream>

#include <unistd.h>

namespace lorastudio::cli {
namespace {
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }
}  // namespace

ProgressBar::ProgressBar() : tty_(::isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(long long done, long long total, const std::string& label) {
  done_ = done;
  total_ = total;
  label_ = label;
  if (tty_) std::cerr << "\r" << line() << "\033[K" << std::flush;
}

void ProgressBar::finish() {
  if (total_ == 0) return;
  std::cerr << (tty_ ? "\r" : "") << line() << (tty_ ? "\033[K" : "") << "\n";
  total_ = 0;
}

std::string ProgressBar::line() const {
  const long long width = 30;
  const long long filled = total_ > 0 ? done_ * width / total_ : 0;
  return "[" + std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), '.') +
         "] " + std::to_string(done_) + "/" + std::to_string(total_) + (label_.empty() ? "" : " " + label_);
}

void watch_interrupts() {
  static bool installed = false;
  if (!installed) std::signal(SIGINT, on_interrupt);
  installed = true;
}

bool interrupted() { return g_interrupted != 0; }

}  // namespace lorastudio::cli
