#pragma once
// The GUI tests' watchdog: how long the GUI thread went without running its event loop.
#include <algorithm>
#include <ctime>

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace lorastudio::test {

// Ticks every 5 ms on the GUI thread and records the longest gap between two ticks beyond the period, in wall time
// (what a user sees) and in the GUI thread's own CPU time (its work; the rest of a gap is waiting for a core
// while other processes run, or sleeping).
class StallWatchdog : public QObject {
 public:
  StallWatchdog() {
    timer_.setInterval(5);
    connect(&timer_, &QTimer::timeout, this, [this] {
      const double cpu = thread_cpu_ms();
      if (clock_.isValid()) {
        const double stall = clock_.nsecsElapsed() / 1e6 - 5.0;
        if (stall > worst_) worst_phase_ = phase_;
        worst_ = std::max(worst_, stall);
        worst_cpu_ = std::max(worst_cpu_, cpu - cpu_at_tick_);
      }
      cpu_at_tick_ = cpu;
      clock_.restart();
    });
    timer_.start();
  }
  double worst_ms() const { return worst_; }
  double worst_cpu_ms() const { return worst_cpu_; }
  const char* worst_phase() const { return worst_phase_; }
  void set_phase(const char* phase) { phase_ = phase; }

 private:
  static double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
  }
  QTimer timer_;
  QElapsedTimer clock_;
  double worst_ = 0, worst_cpu_ = 0, cpu_at_tick_ = 0;
  const char* phase_ = "loading";
  const char* worst_phase_ = "";
};

}  // namespace lorastudio::test
