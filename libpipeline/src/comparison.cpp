#include "pipeline/comparison.hpp"

#include <algorithm>
#include <stdexcept>

namespace pipeline {
namespace {

ComparisonRun summarise(BatchResult batch) {
  ComparisonRun run;
  run.digests.reserve(batch.tasks.size());
  for (const auto& task : batch.tasks) run.digests.push_back(task.record.ok() ? digest(task.output) : 0);
  run.observed = footprint(batch);
  run.batch = std::move(batch);
  return run;
}

}  // namespace

bool Comparison::all_identical() const {
  return std::all_of(runs.begin(), runs.end(), [](const ComparisonRun& run) { return run.identical_to_sequential; });
}

std::size_t Comparison::failed_tasks() const {
  std::size_t failed = 0;
  for (const auto& run : runs) failed += run.batch.failure_count();
  return failed;
}

Comparison run_comparison(const FilterChain& chain, std::span<const NamedImage> batch, const ComparisonPlan& plan,
                          const ExecutorFactory& make, const RunStarting& on_start) {
  const bool parallel_requested = std::any_of(plan.executors.begin(), plan.executors.end(),
                                              [](const std::string& name) { return name != "sequential"; });
  if (parallel_requested && plan.worker_counts.empty()) throw std::invalid_argument("no worker counts to compare");
  for (const int workers : plan.worker_counts) {
    if (workers < 1) throw std::invalid_argument("worker counts must be >= 1");
  }

  Comparison comparison;
  if (on_start) on_start("sequential", 1);
  comparison.runs.push_back(summarise(make("sequential", 1)->run(chain, batch)));
  const double baseline_seconds = comparison.runs.front().batch.seconds();

  for (const int workers : plan.worker_counts) {
    for (const auto& name : plan.executors) {
      if (name == "sequential") continue;
      if (on_start) on_start(name, workers);
      ComparisonRun run = summarise(make(name, workers)->run(chain, batch));
      for (std::size_t i = 0; i < run.digests.size(); ++i) {
        if (run.digests[i] != comparison.runs.front().digests[i]) run.mismatched_images.push_back(batch[i].name);
        run.batch.tasks[i].output = Image();  // the digest is all a comparison needs; frees the pixels
      }
      run.identical_to_sequential = run.mismatched_images.empty();
      run.speedup = speedup(baseline_seconds, run.batch.seconds());
      run.efficiency = efficiency(run.speedup, workers);
      comparison.runs.push_back(std::move(run));
    }
  }
  return comparison;
}

}  // namespace pipeline
