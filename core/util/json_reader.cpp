#include "core/util/json_reader.h"

#include <cmath>
#include <sstream>

#include "core/util/error.h"

namespace lorastudio {

nlohmann::json parse_json(const std::string& text, const std::string& label, const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string detail = e.what();
    const auto bracket = detail.find("] ");  // drop "[json.exception.parse_error.101] "
    if (detail.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) detail = detail.substr(bracket + 2);
    throw FileError(label, (what.empty() ? std::string("is not valid JSON: ") : what + " is not valid JSON: ") + detail);
  }
}
namespace {

const nlohmann::json& empty_object() {
  static const nlohmann::json e = nlohmann::json::object();
  return e;
}

std::string join_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::string number_text(double v) {
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

std::string type_of(const nlohmann::json& v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number_float()) return "a number";
  const std::string t = v.type_name();
  return (t == "object" || t == "array") ? "an " + t : "a " + t;
}

std::string range_text(double lo, double hi, Bound lower) {
  std::string lo_text = lower == Bound::Open ? "greater than " + number_text(lo) : number_text(lo) + " or more";
  if (std::isinf(hi)) return lo_text;
  if (lower == Bound::Open) return lo_text + " and at most " + number_text(hi);
  return number_text(lo) + " to " + number_text(hi);
}

}  // namespace

JsonReader::JsonReader(const nlohmann::json& object, std::string label, std::string path)
    : object_(object), label_(std::move(label)), path_(std::move(path)) {
  if (!object_.is_object())
    throw FileError(label_, (path_.empty() ? std::string("the file") : path_) + " must be a JSON object, not " + type_of(object_));
}

std::string JsonReader::key_path(const std::string& key) const { return join_path(path_, key); }

void JsonReader::fail(const std::string& key, const std::string& problem) const {
  throw FileError(label_, key_path(key) + ": " + problem);
}

const nlohmann::json* JsonReader::value_of(const std::string& key) const {
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

bool JsonReader::has(const std::string& key) const { return value_of(key) != nullptr; }

JsonReader JsonReader::child(const std::string& key) const {
  const nlohmann::json* v = value_of(key);
  if (!v) return JsonReader(empty_object(), label_, key_path(key));
  if (!v->is_object()) fail(key, "expected a JSON object, got " + type_of(*v));
  return JsonReader(*v, label_, key_path(key));
}

void JsonReader::only(const std::set<std::string>& allowed) const {
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (allowed.count(it.key())) continue;
    std::string list;
    for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
    fail(it.key(), "unknown key (allowed here: " + list + ")");
  }
}

int64_t JsonReader::to_int(const std::string& key, const nlohmann::json& v, int64_t lo, int64_t hi) const {
  const std::string range = " is out of range (" + std::to_string(lo) + " to " + std::to_string(hi) + ")";
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi) || static_cast<int64_t>(u) < lo) fail(key, std::to_string(u) + range);
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < lo || i > hi) fail(key, std::to_string(i) + range);
    return i;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::floor(d) != d) fail(key, "expected an integer, got " + number_text(d));
    // 2^63 compares equal to (double)INT64_MAX but does not fit: the upper test is strict against 2^63.
    if (d < static_cast<double>(lo) || d > static_cast<double>(hi) || d >= 9223372036854775808.0) fail(key, number_text(d) + range);
    return static_cast<int64_t>(d);
  }
  fail(key, "expected an integer, got " + type_of(v));
}

void JsonReader::read(const std::string& key, int64_t& out, int64_t lo, int64_t hi) const {
  if (const nlohmann::json* v = value_of(key)) out = to_int(key, *v, lo, hi);
}

void JsonReader::read(const std::string& key, uint64_t& out, uint64_t hi) const {
  const nlohmann::json* v = value_of(key);
  if (!v) return;
  if (v->is_number_unsigned()) {
    out = v->get<uint64_t>();
    if (out > hi) fail(key, std::to_string(out) + " is out of range (0 to " + std::to_string(hi) + ")");
    return;
  }
  if (v->is_number_integer()) fail(key, std::to_string(v->get<int64_t>()) + " is out of range (0 to " + std::to_string(hi) + ")");
  out = static_cast<uint64_t>(to_int(key, *v, 0, static_cast<int64_t>(std::min<uint64_t>(hi, INT64_MAX))));
}

void JsonReader::read(const std::string& key, double& out, double lo, double hi, Bound lower) const {
  const nlohmann::json* v = value_of(key);
  if (!v) return;
  if (!v->is_number()) fail(key, "expected a number, got " + type_of(*v));
  const double d = v->get<double>();
  const bool below = lower == Bound::Open ? !(d > lo) : !(d >= lo);
  if (!std::isfinite(d) || below || d > hi) fail(key, number_text(d) + " is out of range (" + range_text(lo, hi, lower) + ")");
  out = d;
}

void JsonReader::read(const std::string& key, bool& out) const {
  const nlohmann::json* v = value_of(key);
  if (!v) return;
  if (!v->is_boolean()) fail(key, "expected true or false, got " + type_of(*v));
  out = v->get<bool>();
}

void JsonReader::read(const std::string& key, std::string& out, const std::vector<std::string>& choices) const {
  const nlohmann::json* v = value_of(key);
  if (!v) return;
  if (!v->is_string()) fail(key, "expected a string, got " + type_of(*v));
  const std::string s = v->get<std::string>();
  if (!choices.empty()) {
    bool ok = false;
    std::string list;
    for (const auto& c : choices) {
      ok = ok || c == s;
      list += (list.empty() ? "" : ", ") + c;
    }
    if (!ok) fail(key, "\"" + s + "\" is not one of " + list);
  }
  out = s;
}

void JsonReader::read(const std::string& key, std::vector<int64_t>& out, int64_t lo, int64_t hi, size_t min_count) const {
  const nlohmann::json* v = value_of(key);
  if (!v) return;
  if (!v->is_array()) fail(key, "expected an array of integers, got " + type_of(*v));
  if (v->size() < min_count) fail(key, "needs at least " + std::to_string(min_count) + " entries");
  std::vector<int64_t> r;
  for (size_t i = 0; i < v->size(); ++i) r.push_back(to_int(key + "[" + std::to_string(i) + "]", (*v)[i], lo, hi));
  out = std::move(r);
}

const nlohmann::json& JsonReader::at(const std::string& key) const {
  const nlohmann::json* v = value_of(key);
  if (!v) throw FileError(label_, (path_.empty() ? std::string("the file") : path_) + ": missing \"" + key + "\"");
  return *v;
}

std::string JsonReader::string_at(const std::string& key) const {
  const nlohmann::json& v = at(key);
  if (!v.is_string()) fail(key, "expected a string, got " + type_of(v));
  return v.get<std::string>();
}

int64_t JsonReader::int_at(const std::string& key, int64_t lo, int64_t hi) const { return to_int(key, at(key), lo, hi); }

double JsonReader::double_at(const std::string& key, double lo, double hi, Bound lower) const {
  double out = 0;
  (void)at(key);
  read(key, out, lo, hi, lower);
  return out;
}

bool JsonReader::bool_at(const std::string& key) const {
  bool out = false;
  (void)at(key);
  read(key, out);
  return out;
}

std::vector<std::string> JsonReader::strings_at(const std::string& key) const {
  const nlohmann::json& v = at(key);
  if (!v.is_array()) fail(key, "expected an array of strings, got " + type_of(v));
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) fail(key + "[" + std::to_string(i) + "]", "expected a string, got " + type_of(v[i]));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

void check_range(const std::string& label, const std::string& key_path, double value, double lo, double hi, Bound lower) {
  const bool below = lower == Bound::Open ? !(value > lo) : !(value >= lo);
  if (!std::isfinite(value) || below || value > hi)
    throw FileError(label, key_path + ": " + number_text(value) + " is out of range (" + range_text(lo, hi, lower) + ")");
}

void check_range(const std::string& label, const std::string& key_path, int64_t value, int64_t lo, int64_t hi) {
  if (value < lo || value > hi)
    throw FileError(label, key_path + ": " + std::to_string(value) + " is out of range (" + std::to_string(lo) + " to " +
                               std::to_string(hi) + ")");
}

}  // namespace lorastudio
