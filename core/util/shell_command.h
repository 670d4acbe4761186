#pragma once
// Running a command through /bin/sh and reading what it prints: the best-of-N evaluator's harness and the
// benchmarks' peers (scikit-learn) use it.
#include <string>

namespace lorastudio {

struct CommandOutput {
  int exit_status = -1;  // -1 when it did not exit normally
  std::string out;       // everything printed on stdout
};

// Runs `command` with /bin/sh -c; stderr passes through. Throws Error when it cannot be started.
CommandOutput run_shell_command(const std::string& command);

// 'text' quoted for /bin/sh.
std::string shell_quote(const std::string& text);

// The last line of `text` that is not blank, without its line break.
std::string last_nonempty_line(const std::string& text);

}  // namespace lorastudio
