#include "core/io/safetensors_header.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <sstream>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace lorastudio {

namespace {
struct DtypeRow {
  StDtype dtype;
  const char* name;
  uint64_t size;
};
constexpr DtypeRow kDtypes[] = {
    {StDtype::F64, "F64", 8}, {StDtype::F32, "F32", 4}, {StDtype::F16, "F16", 2}, {StDtype::BF16, "BF16", 2},
    {StDtype::I64, "I64", 8}, {StDtype::I32, "I32", 4}, {StDtype::I16, "I16", 2}, {StDtype::I8, "I8", 1},
    {StDtype::U8, "U8", 1},   {StDtype::BOOL, "BOOL", 1},
};

constexpr uint64_t kInt64Max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// a*b, or nullopt when the product passes 2^63-1 (so it always fits an int64).
std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  if (a != 0 && b > kInt64Max / a) return std::nullopt;
  return a * b;
}

std::string describe_range(const StTensorInfo& t) {
  return "[" + std::to_string(t.begin) + ", " + std::to_string(t.end) + ")";
}

std::string describe_shape(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Names quoted in messages are shown in full up to a limit (a fuzzed header may hold a 100 MB key).
std::string quote_name(const std::string& s) {
  constexpr size_t kMax = 200;
  if (s.size() <= kMax) return "\"" + s + "\"";
  return "\"" + s.substr(0, kMax) + "...\" (" + std::to_string(s.size()) + " bytes)";
}

std::string supported_dtypes() {
  std::string s;
  for (const auto& row : kDtypes) s += (s.empty() ? "" : ", ") + std::string(row.name);
  return s;
}

// Streaming (SAX) validation of the header JSON straight into an StHeader: no DOM is built, so
// memory stays proportional to what is kept (names, shapes), tensors keep the header's key order,
// and every fault is reported where it is met. Faults are thrown as FileError from the callbacks.
class HeaderSax {
 public:
  using json = nlohmann::json;

  HeaderSax(const std::string& label, StHeader& out) : label_(label), out_(out) {}

  bool null() { return scalar("null"); }
  bool boolean(bool) { return scalar("a boolean"); }
  bool number_integer(json::number_integer_t v) {
    if (v >= 0) return number_unsigned(static_cast<json::number_unsigned_t>(v));
    if (top() == Ctx::Shape) fail(where() + ": shape entries must be non-negative integers (found " + std::to_string(v) + ")");
    if (top() == Ctx::Offsets)
      fail(where() + ": data_offsets must be non-negative integers (found " + std::to_string(v) + ")");
    return scalar("a number");
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (top() == Ctx::Shape) {
      if (v > kInt64Max) fail(where() + ": shape is too large (element count overflows)");
      cur_.shape.push_back(static_cast<int64_t>(v));
      return true;
    }
    if (top() == Ctx::Offsets) {
      if (offsets_seen_ >= 2) fail(where() + ": \"data_offsets\" must be an array [begin, end] of 2 integers");
      (offsets_seen_ == 0 ? cur_.begin : cur_.end) = v;
      ++offsets_seen_;
      return true;
    }
    return scalar("a number");
  }
  bool number_float(json::number_float_t, const std::string& text) {
    if (top() == Ctx::Shape) fail(where() + ": shape entries must be non-negative integers (found " + text + ")");
    if (top() == Ctx::Offsets) fail(where() + ": data_offsets must be non-negative integers (found " + text + ")");
    return scalar("a number");
  }
  bool binary(json::binary_t&) { return scalar("binary data"); }  // never produced by the JSON lexer

  bool string(std::string& v) {
    switch (top()) {
      case Ctx::Metadata:
        out_.metadata[key_] = std::move(v);
        return true;
      case Ctx::Entry:
        if (field_ == Field::Dtype) {
          auto dt = parse_st_dtype(v);
          if (!dt)
            fail(where() + ": unknown dtype " + quote_name(v) + " (supported: " + supported_dtypes() + ")");
          cur_.dtype = *dt;
          return true;
        }
        return scalar("a string");
      default:
        return scalar("a string");
    }
  }

  bool start_object(std::size_t) {
    switch (top()) {
      case Ctx::None:
        if (root_seen_) fail("header JSON holds more than one value");  // unreachable with strict parsing
        root_seen_ = true;
        stack_.push_back(Ctx::Root);
        return true;
      case Ctx::Root:
        if (key_ == "__metadata__") {
          if (metadata_seen_) fail("\"__metadata__\" appears twice in the header");
          metadata_seen_ = true;
          stack_.push_back(Ctx::Metadata);
          return true;
        }
        if (!names_.insert(key_).second) fail("tensor " + quote_name(key_) + " appears twice in the header");
        cur_ = StTensorInfo{};
        cur_.name = key_;
        has_dtype_ = has_shape_ = has_offsets_ = false;
        stack_.push_back(Ctx::Entry);
        return true;
      case Ctx::Entry:
        if (field_ == Field::Other) return push_skip();
        return scalar("an object");
      case Ctx::Skip:
        return push_skip();
      default:
        return scalar("an object");
    }
  }

  bool start_array(std::size_t) {
    switch (top()) {
      case Ctx::Entry:
        if (field_ == Field::Shape) {
          stack_.push_back(Ctx::Shape);
          return true;
        }
        if (field_ == Field::Offsets) {
          offsets_seen_ = 0;
          stack_.push_back(Ctx::Offsets);
          return true;
        }
        if (field_ == Field::Other) return push_skip();
        return scalar("an array");
      case Ctx::Skip:
        return push_skip();
      default:
        return scalar("an array");
    }
  }

  bool key(std::string& k) {
    switch (top()) {
      case Ctx::Root:
      case Ctx::Metadata:
        key_ = std::move(k);
        return true;
      case Ctx::Entry: {
        Field f = Field::Other;
        bool* seen = nullptr;
        if (k == "dtype") f = Field::Dtype, seen = &has_dtype_;
        else if (k == "shape") f = Field::Shape, seen = &has_shape_;
        else if (k == "data_offsets") f = Field::Offsets, seen = &has_offsets_;
        if (seen) {
          if (*seen) fail(where() + ": field \"" + k + "\" appears twice");
          *seen = true;
        }
        field_ = f;  // unknown fields are ignored, as by the reference implementation
        return true;
      }
      default:
        return true;  // keys inside skipped values
    }
  }

  bool end_object() {
    const Ctx c = top();
    stack_.pop_back();
    if (c == Ctx::Entry) finish_entry();
    return true;
  }

  bool end_array() {
    const Ctx c = top();
    stack_.pop_back();
    if (c == Ctx::Offsets && offsets_seen_ != 2)
      fail(where() + ": \"data_offsets\" must be an array [begin, end] of 2 integers");
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    std::string what = ex.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 3: ..." -> from "parse error".
    auto pos = what.find("] ");
    if (pos != std::string::npos) what = what.substr(pos + 2);
    if (what.size() > 300) what = what.substr(0, 300) + "...";
    fail("header is not valid JSON (" + what + ")");
    return false;
  }

  bool root_seen() const { return root_seen_; }

 private:
  enum class Ctx { None, Root, Metadata, Entry, Shape, Offsets, Skip };
  enum class Field { Dtype, Shape, Offsets, Other };

  Ctx top() const { return stack_.empty() ? Ctx::None : stack_.back(); }
  std::string where() const { return "tensor " + quote_name(cur_.name); }
  [[noreturn]] void fail(const std::string& problem) const { throw FileError(label_, problem); }

  bool push_skip() {
    stack_.push_back(Ctx::Skip);
    return true;
  }

  // A scalar (or a container, `what` says which) met where it is not expected.
  bool scalar(const char* what) {
    switch (top()) {
      case Ctx::None: fail(std::string("header JSON is not a JSON object (it is ") + what + ")");
      case Ctx::Root:
        if (key_ == "__metadata__") fail(std::string("\"__metadata__\" is not a JSON object (it is ") + what + ")");
        fail("tensor " + quote_name(key_) + ": entry is not a JSON object (it is " + what + ")");
      case Ctx::Metadata:
        fail("__metadata__ value of " + quote_name(key_) + " is " + what +
             ", not a string (safetensors metadata is a string-to-string map)");
      case Ctx::Entry:
        if (field_ == Field::Dtype) fail(where() + ": \"dtype\" is " + what + ", not a string");
        if (field_ == Field::Shape) fail(where() + ": \"shape\" is " + what + ", not an array");
        if (field_ == Field::Offsets) fail(where() + ": \"data_offsets\" is " + what + ", not an array [begin, end]");
        return true;  // value of an unknown field: ignored
      case Ctx::Shape: fail(where() + ": shape entries must be non-negative integers (found " + what + ")");
      case Ctx::Offsets: fail(where() + ": data_offsets must be non-negative integers (found " + what + ")");
      case Ctx::Skip: return true;
    }
    return true;
  }

  void finish_entry() {
    StTensorInfo& t = cur_;
    if (!has_dtype_) fail(where() + ": missing \"dtype\"");
    if (!has_shape_) fail(where() + ": missing \"shape\"");
    if (!has_offsets_) fail(where() + ": missing \"data_offsets\"");
    uint64_t numel = 1;
    for (int64_t d : t.shape) {
      auto next = checked_mul(numel, static_cast<uint64_t>(d));
      if (!next) fail(where() + ": shape " + describe_shape(t.shape) + " is too large (element count overflows)");
      numel = *next;
    }
    if (t.end < t.begin) fail(where() + ": inverted byte range " + describe_range(t) + " (end before begin)");
    auto bytes = checked_mul(numel, st_dtype_size(t.dtype));
    if (!bytes) fail(where() + ": shape " + describe_shape(t.shape) + " is too large (byte count overflows)");
    if (*bytes != t.end - t.begin) {
      std::ostringstream s;
      s << where() << ": dtype " << st_dtype_name(t.dtype) << " x shape " << describe_shape(t.shape) << " needs "
        << *bytes << " bytes but its byte range " << describe_range(t) << " holds " << (t.end - t.begin);
      fail(s.str());
    }
    if (t.end > out_.data_size) {
      std::ostringstream s;
      s << where() << ": byte range " << describe_range(t) << " is out of bounds; the data section has only "
        << out_.data_size << " bytes (file truncated?)";
      fail(s.str());
    }
    out_.tensors.push_back(std::move(t));
  }

  const std::string& label_;
  StHeader& out_;
  std::vector<Ctx> stack_;
  std::string key_;  // last key read in the root or in __metadata__
  Field field_ = Field::Other;
  StTensorInfo cur_;
  bool has_dtype_ = false, has_shape_ = false, has_offsets_ = false;
  int offsets_seen_ = 0;
  bool root_seen_ = false;
  bool metadata_seen_ = false;
  std::unordered_set<std::string> names_;
};
}  // namespace

std::optional<StDtype> parse_st_dtype(std::string_view name) {
  for (const auto& row : kDtypes)
    if (name == row.name) return row.dtype;
  return std::nullopt;
}

const char* st_dtype_name(StDtype dtype) {
  for (const auto& row : kDtypes)
    if (row.dtype == dtype) return row.name;
  return "?";
}

uint64_t st_dtype_size(StDtype dtype) {
  for (const auto& row : kDtypes)
    if (row.dtype == dtype) return row.size;
  return 0;
}

uint64_t StTensorInfo::numel() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

uint64_t read_safetensors_header_length(const uint8_t* data, uint64_t size, const std::string& label) {
  if (size == 0) throw FileError(label, "empty file (0 bytes; not a safetensors file)");
  if (size < 8)
    throw FileError(label, "file is " + std::to_string(size) + " bytes, too short for the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | data[i];  // little-endian u64
  if (n > kMaxSafetensorsHeader)
    throw FileError(label, "header length " + std::to_string(n) + " is absurd (limit " +
                               std::to_string(kMaxSafetensorsHeader) + " bytes); not a safetensors file or corrupted");
  if (n > size - 8)
    throw FileError(label, "header length " + std::to_string(n) + " goes beyond the end of the file (" +
                               std::to_string(size) + " bytes); the file is truncated or not safetensors");
  if (n < 2) throw FileError(label, "header of " + std::to_string(n) + " bytes cannot hold a JSON object");
  return n;
}

StHeader parse_safetensors_header(const uint8_t* data, uint64_t size, const std::string& label) {
  const uint64_t n = read_safetensors_header_length(data, size, label);
  StHeader out;
  out.data_start = 8 + n;
  out.data_size = size - out.data_start;

  const char* text = reinterpret_cast<const char*>(data + 8);
  // The JSON lexer takes a NUL byte for the end of input (C strings), which would accept anything
  // after one. A NUL is never valid in JSON text (not even inside a string), so refuse it here.
  if (const void* nul = std::memchr(text, 0, n))
    throw FileError(label, "header is not valid JSON (NUL byte at offset " +
                               std::to_string(static_cast<const char*>(nul) - text + 8) + " of the file)");
  HeaderSax sax(label, out);
  // strict: the whole header must be one JSON value; trailing whitespace (the reference writer's
  // padding) is accepted, anything else after the value is a parse error.
  const bool ok = nlohmann::json::sax_parse(text, text + n, &sax, nlohmann::json::input_format_t::json, /*strict=*/true);
  if (!ok || !sax.root_seen()) throw FileError(label, "header is not valid JSON");

  // Ranges must not overlap (zero-length tensors take no bytes and never overlap).
  std::vector<const StTensorInfo*> sorted;
  for (const auto& t : out.tensors)
    if (t.end > t.begin) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i]->begin < sorted[i - 1]->end)
      throw FileError(label, "tensors " + quote_name(sorted[i - 1]->name) + " " + describe_range(*sorted[i - 1]) + " and " +
                                 quote_name(sorted[i]->name) + " " + describe_range(*sorted[i]) + " overlap");
  return out;
}

}  // namespace lorastudio
