#pragma once
// The GUI tests' watchdog: how long the GUI thread went without running its event loop.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace lorastudio::test {

// A gap a user takes for a hang. The tests fail above it; the 50 ms responsiveness target is a measurement
// (write_report), not a unit-test limit: on a shared 2-core CI machine one scheduling hiccup alone exceeds it.
inline constexpr double kFreezeMs = 250;
inline constexpr double kTargetMs = 50;

// Ticks every 5 ms on the GUI thread and records the longest gap between two ticks beyond the period, in wall time
// (what a user sees) and in the GUI thread's own CPU time (its work; the rest of a gap is waiting for a core
// while other processes run, or sleeping), with the phase each happened in and how many gaps exceeded the target.
class StallWatchdog : public QObject {
 public:
  StallWatchdog() {
    timer_.setInterval(5);
    connect(&timer_, &QTimer::timeout, this, [this] { tick(); });
    timer_.start();
  }
  double worst_ms() const { return worst_; }
  double worst_cpu_ms() const { return worst_cpu_; }
  int gaps_over_target() const { return over_target_; }
  const char* worst_phase() const { return worst_phase_; }
  const char* worst_cpu_phase() const { return worst_cpu_phase_; }
  void set_phase(const char* phase) { phase_ = phase; }
  // The calling thread's CPU time (what a gap's own work is measured in).
  static double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
  }

  std::string summary() const {
    char line[320];
    std::snprintf(line, sizeof line,
                  "worst GUI-thread stall: %.1f ms (%s); most GUI-thread CPU in one gap: %.1f ms (%s); "
                  "%d gaps over %.0f ms",
                  worst_, worst_phase_, worst_cpu_, worst_cpu_phase_, over_target_, kTargetMs);
    return line;
  }

  // With LORASTUDIO_BENCH_DIR set, writes DIR/NAME.json with the figures (the benchmark of responsiveness).
  void write_report(const std::string& name) const {
    const char* dir = std::getenv("LORASTUDIO_BENCH_DIR");
    if (!dir || !*dir) return;
    std::ofstream out(std::string(dir) + "/" + name + ".json");
    out << "{\"bench\": \"" << name << "\", \"worst_stall_ms\": " << worst_ << ", \"worst_stall_phase\": \""
        << worst_phase_ << "\", \"worst_gui_cpu_ms\": " << worst_cpu_ << ", \"worst_gui_cpu_phase\": \""
        << worst_cpu_phase_ << "\", \"gaps_over_" << kTargetMs << "_ms\": " << over_target_
        << ", \"target_ms\": " << kTargetMs << "}\n";
  }

 private:
  void tick() {
    const double cpu = thread_cpu_ms();
    if (clock_.isValid()) {
      const double stall = clock_.nsecsElapsed() / 1e6 - 5.0;
      if (stall > worst_) worst_phase_ = phase_;
      worst_ = std::max(worst_, stall);
      over_target_ += stall > kTargetMs;
      if (cpu - cpu_at_tick_ > worst_cpu_) worst_cpu_phase_ = phase_;
      worst_cpu_ = std::max(worst_cpu_, cpu - cpu_at_tick_);
    }
    cpu_at_tick_ = cpu;
    clock_.restart();
  }
  QTimer timer_;
  QElapsedTimer clock_;
  double worst_ = 0, worst_cpu_ = 0, cpu_at_tick_ = 0;
  int over_target_ = 0;
  const char* phase_ = "loading";
  const char* worst_phase_ = "";
  const char* worst_cpu_phase_ = "";
};

}  // namespace lorastudio::test
