#include "pipeline/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "pipeline/paradigm.hpp"
#include "pipeline/worker_count.hpp"

namespace pipeline {
namespace {

std::vector<std::uint64_t> digests_of(const BatchResult& batch) {
  std::vector<std::uint64_t> digests;
  digests.reserve(batch.tasks.size());
  for (const auto& task : batch.tasks) digests.push_back(task.record.ok() ? digest(task.output) : 0);
  return digests;
}

// Every run of a comparison must be whole: one cut short by RunOptions::stop ends the comparison.
BatchResult run_whole(Executor& executor, const FilterChain& chain, std::span<const NamedImage> batch,
                      const RunOptions& options) {
  BatchResult result = executor.run(chain, batch, options);
  if (options.stop.stop_requested()) {
    throw ComparisonStopped("the comparison was stopped: a run was cut short, so no figures are reported");
  }
  return result;
}

// Runs one configuration warmup + repeats times. Every measured run's outputs are checked against `reference`
// (for the baseline: against its own first run, so a nondeterministic chain shows too); the run with the median
// time is the one kept.
ComparisonRun measure(const std::string& name, int workers, const FilterChain& chain, std::span<const NamedImage> batch,
                      const ComparisonPlan& plan, const ExecutorFactory& make,
                      const std::vector<std::uint64_t>* reference, const BaselineOutputs& on_outputs) {
  // One executor per configuration, its workers started (and timed) before any run: the times are the steady
  // state of a warm pool, and what starting it costs is reported on its own.
  const std::unique_ptr<Executor> executor = make(name, workers);
  ComparisonRun run;
  const double start_s = monotonic_seconds();
  executor->start();
  run.startup_s = monotonic_seconds() - start_s;
  for (int i = 0; i < plan.warmup; ++i)
    run.failed_tasks += run_whole(*executor, chain, batch, plan.run_options).failure_count();

  std::vector<BatchResult> measured;
  for (int i = 0; i < plan.repeats; ++i) {
    BatchResult result = run_whole(*executor, chain, batch, plan.run_options);
    run.failed_tasks += result.failure_count();
    const auto digests = digests_of(result);
    if (i == 0 && reference == nullptr) run.digests = digests;
    const auto* expected = reference != nullptr ? reference : &run.digests;
    {
      for (std::size_t image = 0; image < digests.size(); ++image) {
        const bool differs = digests[image] != (*expected)[image];
        const auto& names = run.mismatched_images;
        if (differs && std::find(names.begin(), names.end(), batch[image].name) == names.end()) {
          run.mismatched_images.push_back(batch[image].name);
        }
      }
    }
    if (i == 0 && on_outputs) on_outputs(result);
    for (auto& task : result.tasks) task.output = Image();  // digests are all a comparison needs
    if (i == 0 && reference != nullptr) run.digests = digests;
    run.repeat_seconds.push_back(result.seconds());
    measured.push_back(std::move(result));
  }
  run.seconds = spread_of(run.repeat_seconds);
  // The representative run: the one nearest the median (with an even count, the faster of the middle two).
  std::size_t representative = 0;
  for (std::size_t i = 1; i < measured.size(); ++i) {
    if (std::abs(measured[i].seconds() - run.seconds.median) <
        std::abs(measured[representative].seconds() - run.seconds.median)) {
      representative = i;
    }
  }
  run.batch = std::move(measured[representative]);
  run.observed = footprint(run.batch);
  run.identical_to_sequential = run.mismatched_images.empty();
  return run;
}

}  // namespace

Spread spread_of(std::vector<double> samples) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  const double median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2.0;
  return {median, samples.front(), samples.back()};
}

std::vector<int> worker_counts_for(const std::vector<int>& requested, std::size_t images) {
  std::vector<int> counts;
  for (const int workers : requested) {
    const int capped = workers_for_tasks(workers, images);
    if (std::find(counts.begin(), counts.end(), capped) == counts.end()) counts.push_back(capped);
  }
  return counts;
}

bool Comparison::has_baseline() const { return !runs.empty() && is_sequential(runs.front().batch.executor); }

Comparison comparison_of(std::vector<BatchResult> runs) {
  for (const auto& run : runs) {
    const auto same_image = [](const TaskResult& a, const TaskResult& b) { return a.record.image == b.record.image; };
    if (!std::equal(run.tasks.begin(), run.tasks.end(), runs.front().tasks.begin(), runs.front().tasks.end(),
                    same_image)) {
      throw std::invalid_argument(
          "comparison_of: the runs are of different batches (other images, or in another "
          "order): their times cannot be compared");
    }
  }
  const auto sequential =
      std::find_if(runs.begin(), runs.end(), [](const BatchResult& run) { return is_sequential(run.executor); });
  if (sequential != runs.end()) std::rotate(runs.begin(), sequential, sequential + 1);

  Comparison comparison;
  comparison.separate_runs = true;
  for (auto& result : runs) {
    ComparisonRun run;
    run.digests = digests_of(result);
    for (auto& task : result.tasks) task.output = Image();
    run.repeat_seconds = {result.seconds()};
    run.seconds = spread_of(run.repeat_seconds);
    run.startup_s = result.startup_seconds();
    run.failed_tasks = result.failure_count();
    run.observed = footprint(result);
    run.batch = std::move(result);
    comparison.runs.push_back(std::move(run));
  }
  const bool baseline = comparison.has_baseline();
  for (auto& run : comparison.runs) {
    if (!baseline) {
      // Nothing to state a speedup against: NaN, which the reports leave empty.
      run.speedup = run.efficiency = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    const ComparisonRun& reference = comparison.baseline();
    for (std::size_t image = 0; image < run.digests.size(); ++image) {
      if (run.digests[image] != reference.digests[image]) {
        run.mismatched_images.push_back(run.batch.tasks[image].record.image);
      }
    }
    run.identical_to_sequential = run.mismatched_images.empty();
    run.speedup = speedup(reference.seconds.median, run.seconds.median);
    run.efficiency = efficiency(run.speedup, run.batch.workers);
  }
  return comparison;
}

bool Comparison::all_identical() const {
  return std::all_of(runs.begin(), runs.end(), [](const ComparisonRun& run) { return run.identical_to_sequential; });
}

std::size_t Comparison::failed_tasks() const {
  std::size_t failed = 0;
  for (const auto& run : runs) failed += run.failed_tasks;
  return failed;
}

Comparison run_comparison(const FilterChain& chain, std::span<const NamedImage> batch, const ComparisonPlan& plan,
                          const ExecutorFactory& make, const RunStarting& on_start,
                          const BaselineOutputs& on_baseline_outputs) {
  const bool parallel_requested = std::any_of(plan.executors.begin(), plan.executors.end(),
                                              [](const std::string& name) { return !is_sequential(name); });
  if (parallel_requested && plan.worker_counts.empty()) throw std::invalid_argument("no worker counts to compare");
  for (const int workers : plan.worker_counts) {
    if (workers < 1) throw std::invalid_argument("worker counts must be >= 1");
  }
  if (plan.repeats < 1) throw std::invalid_argument("repeats must be >= 1");
  if (plan.warmup < 0) throw std::invalid_argument("warm-up runs must be >= 0");

  Comparison comparison;
  comparison.warmup = plan.warmup;
  comparison.repeats = plan.repeats;
  comparison.profile_stages = plan.run_options.profile_stages;
  const std::string sequential(name_of(Paradigm::sequential));
  if (on_start) on_start(sequential, 1);
  comparison.runs.push_back(measure(sequential, 1, chain, batch, plan, make, nullptr, on_baseline_outputs));
  const std::vector<std::uint64_t> reference = comparison.runs.front().digests;
  const double baseline_seconds = comparison.runs.front().seconds.median;

  for (const int workers : worker_counts_for(plan.worker_counts, batch.size())) {
    for (const auto& name : plan.executors) {
      if (is_sequential(name)) continue;
      if (on_start) on_start(name, workers);
      ComparisonRun run = measure(name, workers, chain, batch, plan, make, &reference, {});
      run.speedup = speedup(baseline_seconds, run.seconds.median);
      run.efficiency = efficiency(run.speedup, workers);
      comparison.runs.push_back(std::move(run));
    }
  }
  return comparison;
}

}  // namespace pipeline
