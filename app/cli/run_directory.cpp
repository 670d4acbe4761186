#include "app/cli/run_directory.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <regex>

#include "app/cli/arg_parser.h"
#include "core/util/error.h"
#include "core/util/file_tree.h"

namespace fs = std::filesystem;

namespace lorastudio::cli {
namespace {

bool is_run_output(const std::string& name) {
  static const std::regex adapter("adapter_[0-9]+");
  return name == "report.json" || std::regex_match(name, adapter);
}

}  // namespace

RunDirectory::RunDirectory(std::string dir, bool replace) : dir_(std::move(dir)) {
  std::error_code ec;
  if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec)) throw FileError(dir_, "exists and is not a directory");
  const std::vector<std::string> earlier = earlier_outputs();
  if (!earlier.empty() && !replace)
    throw UsageError(dir_ + " holds an earlier run's outputs (" + std::to_string(earlier.size()) +
                     ", e.g. " + earlier.front() + "); choose another directory or pass --replace to replace them");
  fs::create_directories(dir_, ec);
  if (ec) throw FileError(dir_, "cannot create the output directory: " + ec.message());
  std::random_device rd;
  staging_ = (fs::path(dir_) / (".incoming-" + std::to_string(rd()))).string();
  fs::create_directory(staging_, ec);
  if (ec) throw FileError(staging_, "cannot create a staging folder: " + ec.message());
}

RunDirectory::~RunDirectory() {
  if (!committed_) remove_tree(staging_);  // not fs::remove_all: see core/util/file_tree.h
}

std::vector<std::string> RunDirectory::earlier_outputs() const {
  std::vector<std::string> found;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return found;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (is_run_output(e.path().filename().string())) found.push_back(e.path().filename().string());
  std::sort(found.begin(), found.end());
  return found;
}

std::string RunDirectory::path(const std::string& name) const { return (fs::path(staging_) / name).string(); }

int RunDirectory::commit() {
  // Earlier outputs are moved aside (not deleted) until every new one is in place.
  const std::vector<std::string> earlier = earlier_outputs();
  const fs::path aside = fs::path(staging_ + ".replaced");
  std::error_code ec;
  if (!earlier.empty()) fs::create_directory(aside, ec);
  for (const auto& name : earlier) {
    fs::rename(fs::path(dir_) / name, aside / name, ec);
    if (ec) throw FileError((fs::path(dir_) / name).string(), "cannot move the earlier run's output aside: " + ec.message());
  }
  for (const auto& e : fs::directory_iterator(staging_)) {
    fs::rename(e.path(), fs::path(dir_) / e.path().filename(), ec);
    if (ec) throw FileError((fs::path(dir_) / e.path().filename()).string(), "cannot move the new output into place: " + ec.message());
  }
  fs::remove(staging_, ec);
  remove_tree(aside.string());
  committed_ = true;
  return static_cast<int>(earlier.size());
}

}  // namespace lorastudio::cli
