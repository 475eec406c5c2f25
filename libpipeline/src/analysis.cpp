// The analysis' figures: Amdahl fits, wall-time split, stage totals, transfer costs, and analyse(), which
// gathers them with the sentences of observations.cpp.
#include "pipeline/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

#include "analysis_internals.hpp"

namespace pipeline {
namespace {

// Every run's stage totals as one table (stage names in first-seen order over the runs).
StageTable stage_table_of(std::vector<std::vector<StageTotal>> per_run) {
  StageTable table;
  table.per_run = std::move(per_run);
  for (const auto& totals : table.per_run) {
    for (const auto& total : totals) {
      if (std::find(table.stages.begin(), table.stages.end(), total.name) == table.stages.end()) {
        table.stages.push_back(total.name);
      }
    }
  }
  if (table.stages.empty()) table.per_run.clear();
  return table;
}

}  // namespace

namespace detail {

std::vector<const ComparisonRun*> runs_of(const Comparison& comparison, const std::string& executor) {
  std::vector<const ComparisonRun*> runs;
  for (const auto& run : comparison.runs) {
    if (run.batch.executor == executor && &run != &comparison.baseline()) runs.push_back(&run);
  }
  return runs;
}

std::vector<std::string> parallel_executors(const Comparison& comparison) {
  std::vector<std::string> names;
  for (const auto& run : comparison.runs) {
    if (&run == &comparison.baseline()) continue;
    if (std::find(names.begin(), names.end(), run.batch.executor) == names.end()) names.push_back(run.batch.executor);
  }
  return names;
}

}  // namespace detail

double amdahl_speedup(double parallel_fraction, double workers) noexcept {
  const double denominator = (1.0 - parallel_fraction) + parallel_fraction / workers;
  return denominator > 0.0 ? 1.0 / denominator : std::numeric_limits<double>::infinity();
}

WallTimeSplit wall_time_split(const BatchResult& batch) {
  WallTimeSplit split;
  const double wall = batch.seconds();
  const int workers = std::max(batch.workers, 1);
  if (wall <= 0.0) return split;
  const auto clamp = [&batch](double t) { return std::clamp(t, batch.start_s, batch.end_s); };
  for (int worker = 0; worker < workers; ++worker) {
    double first = batch.end_s;
    double last = batch.start_s;
    double filtering = 0.0;
    for (const auto& task : batch.tasks) {
      const TaskRecord& record = task.record;
      // A task that never ran (failed before a worker took it) has no interval.
      if (record.worker != worker || record.end_s <= record.start_s) continue;
      const double start = clamp(record.start_s);
      const double end = clamp(record.end_s);
      first = std::min(first, start);
      last = std::max(last, end);
      filtering += end - start;
    }
    if (filtering <= 0.0) {
      split.before_first += 1.0;
      continue;
    }
    split.before_first += (first - batch.start_s) / wall;
    split.filtering += filtering / wall;
    split.between += std::max(0.0, last - first - filtering) / wall;
    split.after_last += (batch.end_s - last) / wall;
  }
  split.before_first /= workers;
  split.filtering /= workers;
  split.between /= workers;
  split.after_last /= workers;
  return split;
}

std::vector<StageTotal> stage_totals(const BatchResult& batch) {
  std::vector<StageTotal> totals;
  std::vector<double> megapixels;
  double task_seconds = 0.0;
  for (const auto& task : batch.tasks) {
    const TaskRecord& record = task.record;
    task_seconds += record.seconds();
    for (const auto& stage : record.stages) {
      auto found =
          std::find_if(totals.begin(), totals.end(), [&](const StageTotal& t) { return t.name == stage.name; });
      if (found == totals.end()) {
        totals.push_back({stage.name, 0.0, 0.0, 0.0});
        megapixels.push_back(0.0);
        found = std::prev(totals.end());
      }
      found->seconds += stage.seconds();
      megapixels[static_cast<std::size_t>(found - totals.begin())] += static_cast<double>(record.pixels) / 1e6;
    }
  }
  for (std::size_t i = 0; i < totals.size(); ++i) {
    totals[i].share = task_seconds > 0.0 ? totals[i].seconds / task_seconds : 0.0;
    totals[i].ms_per_megapixel = megapixels[i] > 0.0 ? 1e3 * totals[i].seconds / megapixels[i] : 0.0;
  }
  return totals;
}

const StageTotal* StageTable::find(std::size_t run, const std::string& stage) const {
  const auto& totals = per_run.at(run);
  const auto found = std::find_if(totals.begin(), totals.end(), [&](const StageTotal& t) { return t.name == stage; });
  return found == totals.end() ? nullptr : &*found;
}

StageTable stage_table(const Comparison& comparison) {
  std::vector<std::vector<StageTotal>> per_run;
  for (const auto& run : comparison.runs) per_run.push_back(stage_totals(run.batch));
  return stage_table_of(std::move(per_run));
}

std::vector<AmdahlFit> fit_amdahl(const Comparison& comparison, unsigned logical_cpus) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<AmdahlFit> fits;
  for (const auto& executor : detail::parallel_executors(comparison)) {
    double sum_xy = 0.0;
    double sum_xx = 0.0;
    AmdahlFit fit;
    fit.executor = executor;
    fit.logical_cpus = logical_cpus;
    for (const ComparisonRun* run : detail::runs_of(comparison, executor)) {
      if (run->batch.workers < 2 || !(run->speedup > 0.0)) continue;
      const double x = 1.0 - 1.0 / run->batch.workers;
      const double y = 1.0 - 1.0 / run->speedup;
      sum_xy += x * y;
      sum_xx += x * x;
      fit.largest_workers = std::max(fit.largest_workers, run->batch.workers);
      ++fit.points;
    }
    if (fit.points == 0) continue;
    fit.least_squares_p = sum_xy / sum_xx;
    fit.parallel_fraction = std::clamp(fit.least_squares_p, 0.0, 1.0);
    fit.kind = fit.least_squares_p <= 0.0  ? AmdahlFit::Kind::no_speedup
               : fit.least_squares_p > 1.0 ? AmdahlFit::Kind::superlinear
               : fit.points < 2            ? AmdahlFit::Kind::single_point
                                           : AmdahlFit::Kind::fitted;
    fit.max_speedup = fit.predicted_at_2x = fit.predicted_at_4x = fit.machine_cap = nan;
    if (fit.kind == AmdahlFit::Kind::fitted) {
      const double p = fit.parallel_fraction;
      fit.max_speedup = p < 1.0 ? 1.0 / (1.0 - p) : std::numeric_limits<double>::infinity();
      fit.predicted_at_2x = amdahl_speedup(p, 2.0 * fit.largest_workers);
      fit.predicted_at_4x = amdahl_speedup(p, 4.0 * fit.largest_workers);
      // More workers than CPUs take turns on them: past the CPUs, the machine caps what the law predicts.
      if (logical_cpus > 0 && 2u * static_cast<unsigned>(fit.largest_workers) > logical_cpus) {
        fit.machine_cap = amdahl_speedup(p, static_cast<double>(logical_cpus));
      }
    }
    fits.push_back(fit);
  }
  return fits;
}

std::vector<TransferCost> transfer_costs(const Comparison& comparison) {
  std::vector<TransferCost> costs;
  for (const auto& run : comparison.runs) {
    double transfer = 0.0;
    double filtering = 0.0;
    double bytes = 0.0;
    std::size_t images = 0;
    for (const auto& task : run.batch.tasks) {
      if (!task.record.ok()) continue;
      transfer += task.record.transfer_s;
      filtering += task.record.seconds();
      bytes += static_cast<double>(task.record.bytes_sent + task.record.bytes_received);
      ++images;
    }
    if (bytes == 0.0 || images == 0) continue;  // an in-process paradigm moves nothing
    costs.push_back({run.batch.executor, run.batch.workers, transfer / (transfer + filtering),
                     bytes / static_cast<double>(images), transfer > 0.0 ? bytes / transfer / 1e6 : 0.0});
  }
  return costs;
}

ComparisonAnalysis analyse(const Comparison& comparison, unsigned logical_cpus) {
  ComparisonAnalysis analysis;
  std::vector<std::vector<StageTotal>> per_run;
  for (const auto& run : comparison.runs) {
    analysis.runs.push_back(
        {karp_flatt(run.speedup, run.batch.workers), stage_totals(run.batch), wall_time_split(run.batch)});
    per_run.push_back(analysis.runs.back().stages);
  }
  analysis.fits = fit_amdahl(comparison, logical_cpus);
  analysis.karp_flatt_notes = karp_flatt_notes(comparison);
  analysis.transfer = transfer_costs(comparison);
  analysis.stages = stage_table_of(std::move(per_run));
  analysis.observations = detail::observations_of(comparison, analysis, logical_cpus);
  analysis.method = measurement_method(comparison);
  analysis.verdict = verdict(comparison);
  return analysis;
}

}  // namespace pipeline
