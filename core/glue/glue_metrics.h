#pragma once
// GLUE's metrics, computed as scikit-learn and scipy compute them: accuracy, F1 of the positive class, Matthews
// correlation (0 when a marginal is empty), Pearson correlation and Spearman's rank correlation (ties ranked by their
// average). Predictions and references must have the same length; an empty input is an Error.
#include <map>
#include <string>
#include <vector>

#include "core/glue/glue_task.h"

namespace lorastudio::glue {

double accuracy(const std::vector<int>& predicted, const std::vector<int>& reference);
double f1_score(const std::vector<int>& predicted, const std::vector<int>& reference, int positive = 1);
double matthews_correlation(const std::vector<int>& predicted, const std::vector<int>& reference);
double pearson_correlation(const std::vector<double>& x, const std::vector<double>& y);
double spearman_correlation(const std::vector<double>& x, const std::vector<double>& y);
std::vector<double> average_ranks(const std::vector<double>& values);  // 1-based, ties averaged

// The task's metrics (glue_task_info(task).metrics) of class predictions, or of scores for STS-B.
std::map<std::string, double> task_metrics(GlueTask task, const std::vector<int>& predicted_labels,
                                           const std::vector<double>& predicted_scores, const GlueSplit& reference);

}  // namespace lorastudio::glue
