#pragma once
// A best-of-N evaluator that is an external command: the user's own harness scores each candidate.
// `command` is run by /bin/sh with {adapter} replaced by the candidate's adapter directory (shell-quoted),
// {index} by its index and {task} by the task name (shell-quoted); the last non-empty line it prints on
// stdout must be the score. A non-zero exit or an unreadable score is an error naming the command.
#include <string>
#include <vector>

#include "core/util/shell_command.h"

namespace lorastudio::cli {

class CommandEvaluator {
 public:
  CommandEvaluator(std::string command, std::string task);
  double score(const std::string& adapter_dir, int index) const;
  std::string expand(const std::string& adapter_dir, int index) const;  // the command line run for a candidate

 private:
  std::string command_, task_;
};

using lorastudio::shell_quote;  // core/util/shell_command.h

}  // namespace lorastudio::cli
