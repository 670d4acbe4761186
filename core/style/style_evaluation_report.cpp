// StyleEvaluation's summaries: means over seen and held-out styles, JSON and a Markdown table (Table 2's form).
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/style/style_evaluation.h"
#include "core/util/number_text.h"

namespace lorastudio {

namespace {

std::string number(double v, int decimals) {
  return std::isfinite(v) ? fixed_decimals(v, decimals) : "–";
}

nlohmann::json scores_json(const ImageScores& s) {
  auto value = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"psnr", value(s.psnr)}, {"ssim", value(s.ssim)}, {"swd", value(s.swd)}};
}

std::string scores_cells(const ImageScores& s) {
  return number(s.psnr, 2) + " | " + number(s.ssim, 3) + " | " + number(s.swd, 0);
}

}  // namespace

ImageScores StyleEvaluation::mean(StyleMethod method, bool held_out) const {
  ImageScores m{0, 0, 0};
  int n = 0;
  for (const auto& r : styles) {
    const auto it = r.scores.find(method);
    if (r.held_out != held_out || it == r.scores.end()) continue;
    m.psnr += it->second.psnr;
    m.ssim += it->second.ssim;
    m.swd += it->second.swd;
    ++n;
  }
  if (n == 0) return {};
  return {m.psnr / n, m.ssim / n, m.swd / n};
}

double StyleEvaluation::own_style_rate(bool held_out) const {
  int64_t own = 0, total = 0;
  for (const auto& r : styles)
    if (r.held_out == held_out) own += r.own_style_nearest, total += r.samples;
  return total > 0 ? static_cast<double>(own) / static_cast<double>(total) : std::nan("");
}

nlohmann::json StyleEvaluation::to_json() const {
  nlohmann::json table = nlohmann::json::array();
  for (int m = 0; m < kStyleMethodCount; ++m) {
    const auto method = static_cast<StyleMethod>(m);
    table.push_back({{"method", style_method_name(method)},
                     {"seen", scores_json(mean(method, false))},
                     {"held_out", scores_json(mean(method, true))}});
  }
  nlohmann::json per_style = nlohmann::json::array();
  for (const auto& r : styles) {
    nlohmann::json scores = nlohmann::json::object();
    for (const auto& [method, s] : r.scores) scores[style_method_name(method)] = scores_json(s);
    per_style.push_back({{"style", r.style},
                         {"held_out", r.held_out},
                         {"scores", scores},
                         {"nearest_seen_style", r.nearest_seen_style},
                         {"control_style", r.control_style},
                         {"samples", r.samples},
                         {"own_style_nearest", r.own_style_nearest},
                         {"memorization", r.memorization}});
  }
  auto rate = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"table", table},
          {"own_style_rate", {{"seen", rate(own_style_rate(false))}, {"held_out", rate(own_style_rate(true))}}},
          {"styles", per_style},
          {"cancelled", cancelled}};
}

std::string StyleEvaluation::to_markdown() const {
  std::ostringstream s;
  s << "| method | seen PSNR (dB) | seen SSIM | seen SWD | held-out PSNR (dB) | held-out SSIM | held-out SWD |\n"
    << "|---|---:|---:|---:|---:|---:|---:|\n";
  for (int m = 0; m < kStyleMethodCount; ++m) {
    const auto method = static_cast<StyleMethod>(m);
    s << "| " << style_method_name(method) << " | " << scores_cells(mean(method, false)) << " | "
      << scores_cells(mean(method, true)) << " |\n";
  }
  s << "\nPSNR and SSIM against each style's true output on the held-out photos (higher is better); SWD: sliced "
       "Wasserstein distance between the output and true 7×7 patch distributions, ×1000 (lower is better).\n\n"
    << "Generated adapters nearest (ΔW space, both zoos) to a checkpoint of their own style: seen "
    << number(100 * own_style_rate(false), 1) << "%, held out " << number(100 * own_style_rate(true), 1) << "%.\n\n"
    << "| style | split | original | generated (best) | generated (mean) | nearest seen | control |\n"
    << "|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : styles) {
    auto psnr_of = [&](StyleMethod m) {
      const auto it = r.scores.find(m);
      return it == r.scores.end() ? std::string("–") : number(it->second.psnr, 2);
    };
    s << "| " << r.style << " | " << (r.held_out ? "held out" : "seen") << " | " << psnr_of(StyleMethod::BestOriginal) << " | "
      << psnr_of(StyleMethod::GeneratedBest) << " | " << psnr_of(StyleMethod::GeneratedMean) << " | "
      << (r.held_out ? psnr_of(StyleMethod::NearestSeen) + " (" + r.nearest_seen_style + ")" : std::string("–")) << " | "
      << psnr_of(StyleMethod::WrongCondition) << " (" << r.control_style << ") |\n";
  }
  return s.str();
}

}  // namespace lorastudio
