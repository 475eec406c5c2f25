#pragma once
// Private to the library: what the figures (analysis.cpp) and the sentences about them (observations.cpp) share.

#include <string>
#include <vector>

#include "pipeline/analysis.hpp"

namespace pipeline::detail {

// The runs of `executor` other than the baseline, in comparison order.
[[nodiscard]] std::vector<const ComparisonRun*> runs_of(const Comparison& comparison, const std::string& executor);
// The executors of the runs other than the baseline, in order of appearance.
[[nodiscard]] std::vector<std::string> parallel_executors(const Comparison& comparison);

// The observations' sentences, from the figures `analysis` already holds (its other members than observations).
[[nodiscard]] std::vector<std::string> observations_of(const Comparison& comparison, const ComparisonAnalysis& analysis,
                                                       unsigned logical_cpus);

}  // namespace pipeline::detail
