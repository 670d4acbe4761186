#include "app/cli/command_evaluator.h"

#include "app/cli/arg_parser.h"
#include "core/util/error.h"
#include "core/util/shell_command.h"

namespace lorastudio::cli {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
}

}  // namespace

CommandEvaluator::CommandEvaluator(std::string command, std::string task) : command_(std::move(command)), task_(std::move(task)) {
  if (command_.find("{adapter}") == std::string::npos)
    throw UsageError("--evaluate: the command must contain {adapter} (the candidate's adapter directory)");
}

std::string CommandEvaluator::expand(const std::string& adapter_dir, int index) const {
  std::string cmd = command_;
  replace_all(cmd, "{adapter}", shell_quote(adapter_dir));
  replace_all(cmd, "{index}", std::to_string(index));
  replace_all(cmd, "{task}", shell_quote(task_));
  return cmd;
}

double CommandEvaluator::score(const std::string& adapter_dir, int index) const {
  const std::string cmd = expand(adapter_dir, index);
  const CommandOutput run = run_shell_command(cmd);
  if (run.exit_status != 0)
    throw Error("--evaluate: \"" + cmd + "\" failed (exit status " + std::to_string(run.exit_status) + ")");
  const std::string line = last_nonempty_line(run.out);
  try {
    size_t used = 0;
    const double v = std::stod(line, &used);
    if (line.find_first_not_of(" \t", used) != std::string::npos) throw std::invalid_argument("trailing text");
    return v;
  } catch (const std::exception&) {
    throw Error("--evaluate: \"" + cmd + "\" printed \"" + line + "\" as its last line, not a number (the score)");
  }
}

}  // namespace lorastudio::cli
