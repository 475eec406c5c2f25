#pragma once
// Text reports of a comparison for a terminal. They read only task records and the comparison's figures.

#include <string>

#include "pipeline/comparison.hpp"

namespace pipeline {

// What the report states about the conditions of the measurement.
struct RunConditions {
  std::string dataset;  // e.g. "synthetic (20 images, seed 42)" or "folder photos/ (6 images)"
  std::size_t images = 0;
  double megapixels = 0.0;
  std::string filters;
  int vips_concurrency = 1;
  int vips_cache_max = 0;
  unsigned logical_cpus = 0;
};

// The table `Paradigm | Workers | Time (s) | Speedup | Efficiency | PIDs | Threads | Cores | Identical`, preceded by
// the conditions and followed by the failures and mismatches, if any.
[[nodiscard]] std::string format_comparison(const Comparison& comparison, const RunConditions& conditions);

}  // namespace pipeline
