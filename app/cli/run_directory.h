#pragma once
// The output directory of a generation run (adapter_000…, report.json). A directory that holds an earlier
// run's outputs is refused unless the user asks to replace them; then the new outputs are written beside
// the old ones first (in a staging folder inside it) and swapped in only once all are written, so the two
// runs never mix and an error midway leaves the earlier run as it was.
#include <string>
#include <vector>

namespace lorastudio::cli {

class RunDirectory {
 public:
  // Throws UsageError when `dir` holds an earlier run's outputs and `replace` is false.
  RunDirectory(std::string dir, bool replace);
  ~RunDirectory();  // removes the staging folder if commit() was not reached
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  // Where to write an output named `name` now (inside the staging folder).
  std::string path(const std::string& name) const;
  // Moves everything written into place, after removing the earlier run's outputs; returns how many of
  // those were replaced.
  int commit();
  const std::string& dir() const { return dir_; }

 private:
  std::vector<std::string> earlier_outputs() const;
  std::string dir_, staging_;
  bool committed_ = false;
};

}  // namespace lorastudio::cli
