#include "app/cli/arg_parser.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace lorastudio::cli {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

ArgParser& ArgParser::positional(std::string name, std::string help, bool repeated, int min_count) {
  Spec s;
  s.name = std::move(name);
  s.help = std::move(help);
  s.positional = true;
  s.repeated = repeated;
  s.min_count = min_count;
  specs_.push_back(std::move(s));
  return *this;
}

ArgParser& ArgParser::flag(std::string name, std::string help) {
  Spec s;
  s.name = std::move(name);
  s.help = std::move(help);
  s.is_flag = true;
  specs_.push_back(std::move(s));
  return *this;
}

ArgParser& ArgParser::option(std::string name, std::string metavar, std::string help, std::string default_value,
                             bool required) {
  Spec s;
  s.name = std::move(name);
  s.metavar = std::move(metavar);
  s.help = std::move(help);
  s.default_value = std::move(default_value);
  s.required = required;
  specs_.push_back(std::move(s));
  return *this;
}

ArgParser& ArgParser::repeated_option(std::string name, std::string metavar, std::string help) {
  option(std::move(name), std::move(metavar), std::move(help));
  specs_.back().repeated = true;
  return *this;
}

const ArgParser::Spec* ArgParser::find(const std::string& name) const {
  for (const auto& s : specs_)
    if (s.name == name) return &s;
  return nullptr;
}

std::string ArgParser::usage() const {
  std::ostringstream u;
  u << "Usage: lora-studio-cli " << command_;
  for (const auto& s : specs_)
    if (!s.positional) u << (s.required ? " " : " [") << s.name << (s.is_flag ? "" : " " + s.metavar) << (s.required ? "" : "]");
  for (const auto& s : specs_)
    if (s.positional) u << " " << s.name << (s.repeated ? "..." : "");
  u << "\n\n" << summary_ << "\n\n";
  for (const auto& s : specs_) {
    std::string left = s.positional ? s.name : s.name + (s.is_flag ? "" : " " + s.metavar);
    u << "  " << left;
    if (left.size() < 24) u << std::string(24 - left.size(), ' ');
    else u << "\n" << std::string(26, ' ');
    u << s.help;
    if (!s.default_value.empty()) u << " (default: " << s.default_value << ")";
    u << "\n";
  }
  u << "  --help                  show this help\n";
  return u.str();
}

bool ArgParser::parse(int argc, char** argv) {
  std::vector<std::string> positionals;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage();
      return false;
    }
    const bool long_option = a.size() > 2 && a.rfind("--", 0) == 0;
    const bool short_option = a.size() == 2 && a[0] == '-' && a[1] != '-' && !std::isdigit(static_cast<unsigned char>(a[1]));
    if (long_option || short_option) {  // --name[=value] or a declared short one (-o OUT, -n N)
      std::string value;
      bool inline_value = false;
      auto eq = a.find('=');
      if (long_option && eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        inline_value = true;
      }
      const Spec* s = find(a);
      if (!s || s->positional) throw UsageError("unknown option " + a + " (see 'lora-studio-cli " + command_ + " --help')");
      if (s->is_flag) {
        if (inline_value) throw UsageError(a + " takes no value");
        given_[a] = true;
        continue;
      }
      if (!inline_value) {
        if (i + 1 >= argc) throw UsageError(a + " needs a value (" + s->metavar + ")");
        value = argv[++i];
      }
      if (!s->repeated && given_[a]) throw UsageError(a + " given twice");
      given_[a] = true;
      values_[a].push_back(value);
      continue;
    }
    positionals.push_back(a);
  }
  size_t p = 0;
  for (const auto& s : specs_) {
    if (!s.positional) continue;
    if (s.repeated) {
      while (p < positionals.size()) values_[s.name].push_back(positionals[p++]);
      if (static_cast<int>(values_[s.name].size()) < s.min_count)
        throw UsageError(s.name + ": at least " + std::to_string(s.min_count) + " needed");
    } else {
      if (p >= positionals.size()) throw UsageError("missing " + s.name + " (see 'lora-studio-cli " + command_ + " --help')");
      values_[s.name].push_back(positionals[p++]);
    }
    given_[s.name] = true;
  }
  if (p < positionals.size()) throw UsageError("unexpected argument '" + positionals[p] + "'");
  for (const auto& s : specs_)
    if (s.required && !given_[s.name]) throw UsageError(s.name + " is required");
  return true;
}

const std::string& ArgParser::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end() && !it->second.empty()) return it->second.back();
  const Spec* s = find(name);
  if (!s) throw std::logic_error("ArgParser: undeclared argument " + name);
  return s->default_value;
}

const std::vector<std::string>& ArgParser::list(const std::string& name) const {
  static const std::vector<std::string> empty;
  auto it = values_.find(name);
  return it == values_.end() ? empty : it->second;
}

bool ArgParser::has(const std::string& name) const {
  auto it = given_.find(name);
  return it != given_.end() && it->second;
}

double ArgParser::get_double(const std::string& name, double lo, double hi) const {
  const std::string& v = get(name);
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end) throw UsageError(name + ": '" + v + "' is not a number");
  if (!std::isfinite(d) || errno == ERANGE) throw UsageError(name + ": '" + v + "' is not a finite number");
  if (d < lo || d > hi) {
    std::ostringstream range;
    range << lo << " to " << hi;
    throw UsageError(name + ": " + v + " is out of range (" + range.str() + ")");
  }
  return d;
}

long long ArgParser::get_int(const std::string& name, long long lo, long long hi) const {
  const std::string& v = get(name);
  char* end = nullptr;
  errno = 0;
  const long long d = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end) throw UsageError(name + ": '" + v + "' is not an integer");
  const std::string range = std::to_string(lo) + " to " + std::to_string(hi);
  if (errno == ERANGE || d < lo || d > hi) throw UsageError(name + ": " + v + " is out of range (" + range + ")");
  return d;
}

const std::string& ArgParser::get_choice(const std::string& name, const std::vector<std::string>& choices) const {
  const std::string& v = get(name);
  std::string list;
  for (const auto& c : choices) {
    if (c == v) return v;
    list += (list.empty() ? "" : ", ") + c;
  }
  throw UsageError(name + ": '" + v + "' is not one of " + list);
}

}  // namespace lorastudio::cli
