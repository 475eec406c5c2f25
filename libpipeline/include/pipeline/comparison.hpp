#pragma once
// The comparison run: the sequential baseline, then each parallel paradigm at each worker count, every run's
// outputs checked against the baseline's image by image.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/executor.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/paradigm.hpp"

namespace pipeline {

// The library's defaults and the CLI's side by side:
//
//                 library (this struct)   image-pipeline (the CLI's --warmup, --repeats)
//   warm-up       0                       3
//   repeats       1                       3
//
// The library's are the cheapest run that still gives every figure: a program that compares as one step of its
// own work, or a test, pays for one pass per configuration and no more; its report then says the spread is
// unknown. The CLI exists to measure: three warm-ups let caches, page tables and libvips' lazy loading settle, and
// three repeats give a median and a spread, which is what the report's verdict needs to say how sure it is.
struct ComparisonPlan {
  std::vector<std::string> executors = local_paradigm_names();  // the baseline runs whatever this says
  std::vector<int> worker_counts{2, 4};
  int warmup = 0;          // unmeasured runs of each configuration first (caches, page tables, lazy loading)
  int repeats = 1;         // measured runs of each configuration; figures use their median and spread
  RunOptions run_options;  // profiling, and a per-task callback (progress), for every run
};

// Median, fastest and slowest of a configuration's measured runs.
struct Spread {
  double median = 0.0;
  double min = 0.0;
  double max = 0.0;
  // max / min above this: say so, the machine was noisy during these runs.
  static constexpr double large_ratio = 1.15;
  [[nodiscard]] bool large() const noexcept { return min > 0.0 && max / min > large_ratio; }
};

[[nodiscard]] Spread spread_of(std::vector<double> samples);

struct ComparisonRun {
  // The measured run whose time is the median (its task records are the ones reported). Its outputs are
  // empty: every run is reduced to digests as soon as it ends, so each starts with the same memory at hand
  // (a run that had to fault in fresh pages for its outputs would be slower for it: see memory.hpp).
  BatchResult batch;
  std::vector<double> repeat_seconds;  // every measured run, in order
  // Executor::start() of this configuration's executor, before its warm-up: what a pool pays once to start its
  // workers (0 for the sequential executor). Not part of the runs' times.
  double startup_s = 0.0;
  Spread seconds;
  std::size_t failed_tasks = 0;         // over every run of the configuration, warm-ups included, not only `batch`
  std::vector<std::uint64_t> digests;   // per image; 0 for a failed task
  bool identical_to_sequential = true;  // in every measured run
  std::vector<std::string> mismatched_images;
  double speedup = 1.0;  // median sequential time / median time
  double efficiency = 1.0;
  Footprint observed;
};

struct Comparison {
  // runs[0] is the sequential baseline: always from run_comparison(); from comparison_of() only when one of the
  // runs given was sequential, else runs[0] is merely the first and no speedup is claimed (has_baseline()).
  std::vector<ComparisonRun> runs;
  // How the runs were measured, as their ComparisonPlan said: the reports state it.
  int warmup = 0;
  int repeats = 1;
  bool profile_stages = false;
  // comparison_of(): runs the caller made, each its own row, its time as its BatchResult measured it.
  bool separate_runs = false;
  [[nodiscard]] const ComparisonRun& baseline() const { return runs.front(); }
  // Whether runs[0] is a sequential run, against which speedups and output identity are stated.
  [[nodiscard]] bool has_baseline() const;
  [[nodiscard]] bool all_identical() const;
  [[nodiscard]] std::size_t failed_tasks() const;
};

// A comparison of runs made by the caller (Executor::run, run_folder...), to hand to the reports (report.hpp):
// each BatchResult is one row, measured once, as given (no warm-up; repeats of a configuration are separate rows).
// The first sequential run, if any, becomes the baseline (moved to the front): speedups, efficiencies and output
// identity are stated against it. Without one, none is claimed: speedups and efficiencies are NaN (empty in the
// reports) and identical_to_sequential stays true with nothing compared. Outputs are reduced to digests and
// dropped, as in run_comparison(). A BatchResult's time includes its pool's start-up when that run started the
// pool (Executor::start() not called before), which startup_s then shows. Throws std::invalid_argument for runs
// of different batches (other image names, in order): comparing their times would say nothing.
[[nodiscard]] Comparison comparison_of(std::vector<BatchResult> runs);

using ExecutorFactory = std::function<std::unique_ptr<Executor>(const std::string& name, int workers)>;

// Called before each configuration starts, e.g. to log progress.
using RunStarting = std::function<void(const std::string& executor, int workers)>;

// Called once with the first measured sequential run, outputs intact, before they are dropped: the place to
// write them (between runs, outside any timing).
using BaselineOutputs = std::function<void(const BatchResult& baseline)>;

// A comparison stopped through plan.run_options.stop: partial runs would give meaningless figures.
class ComparisonStopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The worker counts a comparison of `images` images runs: each requested count capped at the images (a worker
// without an image only costs its start-up, and a run labelled with workers that never ran would be a false point
// on the fits and charts), repeats then dropped, first-seen order kept: {2, 4, 1000} with 3 images gives {2, 3}.
[[nodiscard]] std::vector<int> worker_counts_for(const std::vector<int>& requested, std::size_t images);

// Runs the parallel paradigms at worker_counts_for(plan.worker_counts, batch.size()).
// Throws std::invalid_argument for an empty worker list, a worker count < 1, repeats < 1 or warmup < 0, and
// ComparisonStopped once the run in progress returns after plan.run_options.stop was requested.
[[nodiscard]] Comparison run_comparison(const FilterChain& chain, std::span<const NamedImage> batch,
                                        const ComparisonPlan& plan, const ExecutorFactory& make,
                                        const RunStarting& on_start = {},
                                        const BaselineOutputs& on_baseline_outputs = {});

}  // namespace pipeline
