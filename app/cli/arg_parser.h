#pragma once
// A small command-line parser for the CLI's subcommands: positionals, --flags and --options VALUE,
// a generated --help, and errors that say what was wrong.
#include <climits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace lorastudio::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "a,b,,c" -> {"a", "b", "c"}: a comma-separated option value, empty items dropped.
std::vector<std::string> split_commas(const std::string& text);

class ArgParser {
 public:
  ArgParser(std::string command, std::string summary);

  // A positional argument; `repeated` takes all remaining positionals (at least `min_count`).
  ArgParser& positional(std::string name, std::string help, bool repeated = false, int min_count = 1);
  ArgParser& flag(std::string name, std::string help);
  ArgParser& option(std::string name, std::string metavar, std::string help, std::string default_value = {},
                    bool required = false);
  ArgParser& repeated_option(std::string name, std::string metavar, std::string help);

  // Returns false if --help was asked for (usage printed to stdout). Throws UsageError otherwise on bad input.
  bool parse(int argc, char** argv);
  std::string usage() const;

  const std::string& get(const std::string& name) const;  // positional or option value
  const std::vector<std::string>& list(const std::string& name) const;  // repeated positional or option
  bool has(const std::string& name) const;  // flag given / option given explicitly
  // Numbers are checked: not a number, not finite, out of [lo, hi] or beyond the type's range is a
  // UsageError that names the option and the allowed range.
  double get_double(const std::string& name, double lo = -1e300, double hi = 1e300) const;
  long long get_int(const std::string& name, long long lo = LLONG_MIN, long long hi = LLONG_MAX) const;
  // One of `choices`, else a UsageError listing them.
  const std::string& get_choice(const std::string& name, const std::vector<std::string>& choices) const;

 private:
  struct Spec {
    std::string name, metavar, help, default_value;
    bool is_flag = false, required = false, repeated = false, positional = false;
    int min_count = 1;
  };
  const Spec* find(const std::string& name) const;
  std::string command_, summary_;
  std::vector<Spec> specs_;
  std::map<std::string, std::vector<std::string>> values_;
  std::map<std::string, bool> given_;
};

}  // namespace lorastudio::cli
