#pragma once
// Options every benchmark command shares: --json FILE and --quiet.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli/arg_parser.h"

namespace lorastudio::cli {

// --json FILE: the results, written atomically.
void write_json_option(const ArgParser& p, const nlohmann::json& results);

// Progress lines on stderr unless --quiet.
std::function<void(const std::string&)> progress_option(const ArgParser& p);

int run_embed_bench_command(int argc, char** argv);    // cmd_bench_embed.cpp
int run_preview_bench_command(int argc, char** argv);  // cmd_bench_preview.cpp
int run_encoder_bench_command(int argc, char** argv);  // cmd_bench_encoder.cpp

}  // namespace lorastudio::cli
