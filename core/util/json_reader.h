#pragma once
// Reading one JSON object of a config or bundle file with errors a user can act on: every error names
// the file and the key's path ("train.checkpoint_every"), says what type or range was expected and what
// was found, and unknown keys are refused (a typo must not fall back to a default silently).
//
//   JsonReader train = JsonReader(j, path).child("train");
//   train.only({"ae_steps", "lr", ...});
//   train.read("lr", c.lr, 0.0, 1.0, Bound::Open);     // optional key: `c.lr` keeps its default when absent
//   train.read("checkpoint_every", c.checkpoint_every, 1, 1000000);
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lorastudio {

enum class Bound { Closed, Open };  // whether the lower limit itself is allowed

class JsonReader {
 public:
  // `object` must outlive the reader. Throws FileError(label, …) when it is not a JSON object.
  JsonReader(const nlohmann::json& object, std::string label, std::string path = {});

  bool has(const std::string& key) const;
  // The nested object at `key` (an empty object when the key is absent).
  JsonReader child(const std::string& key) const;
  // Refuses keys outside `allowed`.
  void only(const std::set<std::string>& allowed) const;

  // Optional keys: `out` is left as it is when the key is absent.
  void read(const std::string& key, int64_t& out, int64_t lo, int64_t hi) const;
  void read(const std::string& key, uint64_t& out, uint64_t hi = UINT64_MAX) const;
  void read(const std::string& key, double& out, double lo, double hi, Bound lower = Bound::Closed) const;
  void read(const std::string& key, bool& out) const;
  // `choices` empty: any string.
  void read(const std::string& key, std::string& out, const std::vector<std::string>& choices = {}) const;
  void read(const std::string& key, std::vector<int64_t>& out, int64_t lo, int64_t hi, size_t min_count = 1) const;

  // Required keys: a missing one is an error naming it.
  const nlohmann::json& at(const std::string& key) const;
  std::string string_at(const std::string& key) const;
  int64_t int_at(const std::string& key, int64_t lo, int64_t hi) const;
  double double_at(const std::string& key, double lo, double hi, Bound lower = Bound::Closed) const;
  bool bool_at(const std::string& key) const;
  std::vector<std::string> strings_at(const std::string& key) const;

  // "train.lr" for key "lr" of the reader at "train".
  std::string key_path(const std::string& key) const;
  const std::string& label() const { return label_; }
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

 private:
  const nlohmann::json* value_of(const std::string& key) const;  // nullptr when absent
  int64_t to_int(const std::string& key, const nlohmann::json& v, int64_t lo, int64_t hi) const;
  const nlohmann::json& object_;
  std::string label_, path_;
};

// `text` parsed as JSON, or FileError(label, "<what> is not valid JSON: <where and why>") — never a raw
// nlohmann exception (numbers out of range, bad UTF-8 and syntax errors alike). `what` defaults to "the file".
nlohmann::json parse_json(const std::string& text, const std::string& label, const std::string& what = {});

// A value checked in code (not read by a JsonReader) with the same wording.
void check_range(const std::string& label, const std::string& key_path, double value, double lo, double hi,
                 Bound lower = Bound::Closed);
void check_range(const std::string& label, const std::string& key_path, int64_t value, int64_t lo, int64_t hi);

}  // namespace lorastudio
