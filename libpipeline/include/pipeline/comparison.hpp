#pragma once
// The comparison run: the sequential baseline, then each parallel paradigm at each worker count, every run's
// outputs checked against the baseline's image by image.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pipeline/executor.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/metrics.hpp"

namespace pipeline {

struct ComparisonPlan {
  std::vector<std::string> executors{"sequential", "threads"};  // the baseline runs whatever this says
  std::vector<int> worker_counts{2, 4};
};

struct ComparisonRun {
  BatchResult batch;  // outputs kept for the baseline only; the others are reduced to digests
  std::vector<std::uint64_t> digests;  // per image; 0 for a failed task
  bool identical_to_sequential = true;
  std::vector<std::string> mismatched_images;
  double speedup = 1.0;
  double efficiency = 1.0;
  Footprint observed;
};

struct Comparison {
  std::vector<ComparisonRun> runs;  // runs[0] is the sequential baseline
  [[nodiscard]] const ComparisonRun& baseline() const { return runs.front(); }
  [[nodiscard]] bool all_identical() const;
  [[nodiscard]] std::size_t failed_tasks() const;
};

using ExecutorFactory = std::function<std::unique_ptr<Executor>(const std::string& name, int workers)>;

// Called before each run starts, e.g. to log progress.
using RunStarting = std::function<void(const std::string& executor, int workers)>;

// Throws std::invalid_argument for an empty worker list or a worker count < 1.
[[nodiscard]] Comparison run_comparison(const FilterChain& chain, std::span<const NamedImage> batch,
                                        const ComparisonPlan& plan, const ExecutorFactory& make,
                                        const RunStarting& on_start = {});

}  // namespace pipeline
