#pragma once
// Where tests find ../shared: LORASTUDIO_GOLDEN (default: shared/golden beside the project root,
// resolved from the source directory) and LORASTUDIO_DATA (default: shared/data likewise).
#include <string>

namespace lorastudio::test {

std::string golden_dir();             // without trailing slash
std::string data_dir();
std::string golden_path(const std::string& relative);  // golden_dir() + "/" + relative
std::string data_path(const std::string& relative);
bool exists(const std::string& path);
// A file of this project's own tree (tests/data/…, models/…): the source directory + "/" + relative.
std::string project_path(const std::string& relative);
std::string cli_path();               // the built lora-studio-cli

// Runs a command line (through /bin/sh), returns its exit status; stdout+stderr into `output`.
int run_command(const std::string& command, std::string* output);

}  // namespace lorastudio::test

// Skips the test when a needed shared file is absent (e.g. a swapped-in golden set without it).
#define LS_REQUIRE_FILE(path)                                                               \
  do {                                                                                       \
    if (!lorastudio::test::exists(path)) QSKIP(("missing test file: " + std::string(path)).c_str()); \
  } while (0)
