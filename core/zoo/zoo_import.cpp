#include "core/zoo/zoo_import.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "core/formats/adapter_io.h"
#include "core/formats/module_assembler.h"
#include "core/util/error.h"
#include "core/util/file_tree.h"
#include "core/zoo/zoo.h"

namespace fs = std::filesystem;

namespace lorastudio {
namespace {

bool has_adapter_files(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "adapter_config.json", ec) || fs::exists(dir / "adapter_model.safetensors", ec) ||
         fs::exists(dir / "pytorch_lora_weights.safetensors", ec);
}

int count_safetensors(const fs::path& dir) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".safetensors") ++n;
  return n;
}

std::string describe(const TaskCondition& c) {
  if (!c.images.empty()) {
    std::string s = "images";
    for (const auto& im : c.images) s += " " + im.source;
    return s;
  }
  return "text \"" + c.text + "\"" + (c.examples.empty() ? "" : " with " + std::to_string(c.examples.size()) + " examples");
}

std::string balance_text(const BalanceOptions& b) {
  std::ostringstream s;
  s << "A x" << b.scale_A << ", B x" << b.scale_B;
  return s.str();
}

// Removes what Zoo::create and a failed first add wrote into a directory that was new or empty.
void remove_new_zoo(const std::string& dir, bool dir_existed) {
  std::error_code ec;
  const fs::path p(dir);
  fs::remove(p / kZooManifestName, ec);
  fs::remove(p / kZooLayoutName, ec);
  remove_tree((p / "tasks").string());  // not fs::remove_all: see core/util/file_tree.h
  remove_tree((p / "images").string());
  if (!dir_existed) fs::remove(p, ec);  // only if empty
}

}  // namespace

std::vector<std::string> expand_adapter_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& path : paths) {
    std::error_code ec;
    const fs::path p(path);
    if (!fs::exists(p, ec)) throw FileError(path, "no such file or directory");
    if (!fs::is_directory(p, ec) || has_adapter_files(p)) {
      out.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(p, ec)) {
      const std::string name = e.path().filename().string();
      if (name.empty() || name.front() == '.') continue;
      if (e.is_directory(ec)) {
        if (!has_adapter_files(e.path()) && count_safetensors(e.path()) != 1)
          throw FileError(e.path().string(), "is not an adapter (no adapter_config.json, pytorch_lora_weights.safetensors or "
                                             "single .safetensors file); give the adapters inside it explicitly");
        found.push_back(e.path().string());
      } else if (e.path().extension() == ".safetensors") {
        found.push_back(e.path().string());
      }
    }
    if (ec) throw FileError(path, "cannot list the directory: " + ec.message());
    if (found.empty())
      throw FileError(path, "holds no adapters (no adapter_config.json, and no subdirectories or .safetensors files)");
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
      return natural_less(fs::path(a).filename().string(), fs::path(b).filename().string());
    });
    out.insert(out.end(), found.begin(), found.end());
  }
  if (out.empty()) throw Error("no adapters given");
  return out;
}

ZooImportResult import_into_zoo(const std::string& zoo_dir, const std::vector<std::string>& paths,
                                const ZooImportOptions& options, const ImportProgress& progress) {
  const std::string& task = options.task;
  if (const std::string p = task_name_problem(task); !p.empty()) throw Error(p);
  std::optional<Zoo> zoo;
  if (Zoo::exists(zoo_dir)) {
    zoo = Zoo::open(zoo_dir);
  } else {  // fail before reading every adapter, not when creating the zoo
    std::error_code ec;
    if (fs::exists(zoo_dir, ec) && (!fs::is_directory(zoo_dir, ec) || !fs::is_empty(zoo_dir, ec)))
      throw FileError(zoo_dir, "is neither a zoo (no zoo.json) nor a new or empty directory");
  }
  if (zoo && options.balance &&
      (options.balance->scale_A != zoo->balance().scale_A || options.balance->scale_B != zoo->balance().scale_B))
    throw Error("zoo " + zoo_dir + " was created with balance " + balance_text(zoo->balance()) + "; balance " +
                balance_text(*options.balance) + " cannot be used for it (leave it out)");
  const bool task_exists = zoo && zoo->has_task(task);
  if (task_exists) {
    if (!options.condition.empty() && !options.condition.same_as(zoo->condition(task)))
      throw Error("task '" + task + "' exists with another condition (" + describe(zoo->condition(task)) +
                  "); leave the condition out to add checkpoints to it");
  } else {
    if (options.condition.empty())
      throw Error("the new task '" + task + "' needs a condition: a text description or style images");
    if (!options.condition.examples.empty() && options.condition.text.empty())
      throw Error("task '" + task + "': few-shot examples need a text description too");
    std::error_code ec;
    for (const auto& im : options.condition.images)
      if (!fs::is_regular_file(im.source, ec)) throw FileError(im.source, "cannot read the condition image (no such file)");
  }

  const std::vector<std::string> adapters = expand_adapter_paths(paths);
  const int total = static_cast<int>(adapters.size());
  ZooImportResult result;
  if (progress && !progress(0, total)) {
    result.cancelled = true;
    return result;
  }
  const BalanceOptions balance = zoo ? zoo->balance() : options.balance.value_or(BalanceOptions{});
  std::optional<ZooLayout> layout;
  std::string layout_source;
  if (zoo && zoo->has_layout()) {
    layout = zoo->layout();
    layout_source = "the zoo " + zoo_dir;
  }
  torch::Tensor params;
  for (int i = 0; i < total; ++i) {
    const std::string& path = adapters[i];
    LoadedAdapter loaded = load_adapter(path);
    for (const auto& note : loaded.notes) result.notes.push_back(path + ": " + note);
    if (!loaded.adapter.saved_modules.empty())
      result.notes.push_back(path + ": modules_to_save (" + std::to_string(loaded.adapter.saved_modules.size()) +
                             " tensors) are not stored in the zoo");
    if (!layout) {
      layout = ZooLayout::from_adapter(loaded.adapter, balance, path);
      layout_source = path;
    } else if (const std::string m = layout->mismatch(loaded.adapter); !m.empty()) {
      throw FileError(path, "does not match the layout of " + layout_source + ": " + m);
    }
    if (!params.defined()) params = torch::empty({total, layout->dim()}, torch::kFloat);
    params[i].copy_(layout->flatten(loaded.adapter, path));
    if (progress && !progress(i + 1, total)) {
      result.cancelled = true;
      result.notes.clear();
      return result;
    }
  }

  FlatCheckpoints rows;
  rows.params = params;
  rows.sources = adapters;
  std::error_code ec;
  const bool dir_existed = fs::exists(zoo_dir, ec);
  if (!zoo) {
    zoo = Zoo::create(zoo_dir, balance);
    result.created_zoo = true;
  }
  try {
    if (task_exists)
      zoo->add_checkpoints(task, rows, *layout);
    else
      zoo->add_task(task, options.condition, rows, *layout);
  } catch (...) {
    if (result.created_zoo) remove_new_zoo(zoo_dir, dir_existed);
    throw;
  }
  result.created_task = !task_exists;
  result.added = total;
  result.task_count = zoo->count(task);
  result.dim = zoo->dim();
  result.sources = adapters;
  return result;
}

}  // namespace lorastudio
