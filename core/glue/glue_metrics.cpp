#include "core/glue/glue_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/util/error.h"

namespace lorastudio::glue {

namespace {

template <typename A, typename B>
void check_lengths(const A& a, const B& b, const char* metric) {
  if (a.size() != b.size()) {
    throw Error(std::string(metric) + ": " + std::to_string(a.size()) + " predictions for " + std::to_string(b.size()) +
                " references");
  }
  if (a.empty()) throw Error(std::string(metric) + ": no examples");
}

}  // namespace

double accuracy(const std::vector<int>& p, const std::vector<int>& r) {
  check_lengths(p, r, "accuracy");
  size_t right = 0;
  for (size_t i = 0; i < p.size(); ++i) right += p[i] == r[i];
  return static_cast<double>(right) / static_cast<double>(p.size());
}

double f1_score(const std::vector<int>& p, const std::vector<int>& r, int positive) {
  check_lengths(p, r, "F1");
  double tp = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    tp += p[i] == positive && r[i] == positive;
    fp += p[i] == positive && r[i] != positive;
    fn += p[i] != positive && r[i] == positive;
  }
  return tp == 0 ? 0.0 : 2 * tp / (2 * tp + fp + fn);
}

double matthews_correlation(const std::vector<int>& p, const std::vector<int>& r) {
  check_lengths(p, r, "Matthews correlation");
  double tp = 0, tn = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    tp += p[i] == 1 && r[i] == 1;
    tn += p[i] != 1 && r[i] != 1;
    fp += p[i] == 1 && r[i] != 1;
    fn += p[i] != 1 && r[i] == 1;
  }
  const double denominator = std::sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return denominator == 0 ? 0.0 : (tp * tn - fp * fn) / denominator;
}

double pearson_correlation(const std::vector<double>& x, const std::vector<double>& y) {
  check_lengths(x, y, "Pearson correlation");
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx == 0 || syy == 0 ? 0.0 : sxy / std::sqrt(sxx * syy);
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double spearman_correlation(const std::vector<double>& x, const std::vector<double>& y) {
  check_lengths(x, y, "Spearman correlation");
  return pearson_correlation(average_ranks(x), average_ranks(y));
}

std::map<std::string, double> task_metrics(GlueTask task, const std::vector<int>& labels,
                                           const std::vector<double>& scores, const GlueSplit& reference) {
  std::map<std::string, double> out;
  if (glue_task_info(task).regression) {
    std::vector<double> truth;
    for (const auto& e : reference.examples) truth.push_back(e.score);
    out["pearson"] = pearson_correlation(scores, truth);
    out["spearman"] = spearman_correlation(scores, truth);
    return out;
  }
  std::vector<int> truth;
  for (const auto& e : reference.examples) truth.push_back(e.label);
  for (const std::string& m : glue_task_info(task).metrics) {
    if (m == "accuracy") out[m] = accuracy(labels, truth);
    if (m == "f1") out[m] = f1_score(labels, truth);
    if (m == "matthews") out[m] = matthews_correlation(labels, truth);
  }
  return out;
}

}  // namespace lorastudio::glue
