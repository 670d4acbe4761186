#pragma once
// Running the built lora-studio-cli from tests.
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/test_paths.h"

namespace lorastudio::test {

struct CliRun {
  int status;
  std::string output;  // stdout and stderr together
};

// `args` is a shell command-line fragment (quote paths with q()).
inline CliRun cli(const std::string& args) {
  CliRun r;
  r.status = run_command("'" + cli_path() + "' " + args, &r.output);
  return r;
}

inline nlohmann::json cli_json(const std::string& args) {
  const CliRun r = cli(args);
  if (r.status != 0) throw std::runtime_error("cli failed: " + r.output);
  return nlohmann::json::parse(r.output);
}

// Single-quoted for /bin/sh (embedded single quotes escaped).
inline std::string q(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace lorastudio::test
