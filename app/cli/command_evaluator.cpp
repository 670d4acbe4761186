#include "app/cli/command_evaluator.h"

#include <cstdio>
#include <sys/wait.h>

#include "app/cli/arg_parser.h"
#include "core/util/error.h"

namespace lorastudio::cli {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
}

std::string last_nonempty_line(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return {};
  const size_t start = text.find_last_of('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start == std::string::npos ? 0 : start + 1));
}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

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
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw Error("--evaluate: cannot run \"" + cmd + "\"");
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, n);
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("--evaluate: \"" + cmd + "\" failed (exit status " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  const std::string line = last_nonempty_line(out);
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
