#pragma once
// What a comparison's measurements say, computed from them: Amdahl fits, Karp-Flatt, transfer cost, stage totals,
// the wall-time split, how it was measured and observations in words, each on its own or all at once with
// analyse(), which is what the reports (report.hpp) format. Nothing here is canned: every sentence is built from
// this run's figures.

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/comparison.hpp"

namespace pipeline {

// Amdahl's law S(p) = 1 / ((1 - P) + P / p), fitted by least squares on 1 - 1/S = P (1 - 1/p), the law's
// linear form, over every measured worker count (p >= 2) of one paradigm. What the fit may claim depends on the
// data: P is a fraction, so a fit outside [0, 1] is not Amdahl's; one point fits any P, so it predicts nothing.
struct AmdahlFit {
  enum class Kind {
    fitted,        // two or more worker counts, 0 < P <= 1: max speedup and predictions are given
    single_point,  // one worker count: P is that point's estimate, not a fit; no prediction
    superlinear,   // least squares above 1 (speedups above p): Amdahl's law does not apply; no prediction
    no_speedup,    // least squares at or below 0 (never faster than sequential): its costs are overhead
  };
  std::string executor;
  Kind kind = Kind::fitted;
  double least_squares_p = 0.0;    // the fit as computed, before any judgement: may lie outside [0, 1]
  double parallel_fraction = 0.0;  // P, least_squares_p clamped to [0, 1]
  double max_speedup = 0.0;        // 1 / (1 - P) when fitted (infinity for P = 1); NaN otherwise
  int largest_workers = 0;
  double predicted_at_2x = 0.0;  // S at 2x and 4x the largest measured worker count when fitted; NaN otherwise
  double predicted_at_4x = 0.0;
  // When fitted and a prediction is for more workers than the machine's logical CPUs: S at the CPUs' count, the
  // most this machine can give (the extra workers take turns on its CPUs). NaN otherwise.
  double machine_cap = 0.0;
  unsigned logical_cpus = 0;  // of the machine the fit is for; 0 unknown
  std::size_t points = 0;
};

[[nodiscard]] double amdahl_speedup(double parallel_fraction, double workers) noexcept;

// One fit per parallel paradigm present, from its runs' median speedups. Needs at least one run with p >= 2.
// `logical_cpus` (0: unknown) bounds what may be predicted without saying the machine caps it.
[[nodiscard]] std::vector<AmdahlFit> fit_amdahl(const Comparison& comparison, unsigned logical_cpus = 0);

// The fit in words, after the executor's name, as every report states it (text, Markdown, HTML), e.g.
// "P = 0.950 fitted over 2 worker counts; max speedup 20.0x; predicted 3.48x at 8 workers, 5.93x at 16".
[[nodiscard]] std::string describe_fit(const AmdahlFit& fit);

// A Karp-Flatt serial fraction (karp_flatt() in metrics.hpp) for a table cell: "0.123"; "-" where undefined
// (p < 2); "super" below 0 (superlinear: faster than p workers dividing the work); "slower" above 1 (slower than
// sequential). A fraction outside [0, 1] is not a serial fraction: such cells are explained by karp_flatt_notes().
[[nodiscard]] std::string karp_flatt_cell(double serial_fraction);
// The same from a run's speedup and workers.
[[nodiscard]] std::string karp_flatt_text(double speedup, int workers);
// One sentence for each kind of cell outside [0, 1] that the comparison has; empty when none.
[[nodiscard]] std::vector<std::string> karp_flatt_notes(const Comparison& comparison);

// Where the process pool's time went: data movement against filtering, over the tasks of its runs.
struct TransferCost {
  std::string executor;
  int workers = 0;
  double transfer_share = 0.0;        // transfer_s / (transfer_s + filtering time), summed over tasks
  double bytes_per_image = 0.0;       // sent + received
  double megabytes_per_second = 0.0;  // bytes moved / transfer_s
};
[[nodiscard]] std::vector<TransferCost> transfer_costs(const Comparison& comparison);

// Where one run's task time went, stage by stage (TaskRecord::stages: filters with --profile-filters, or a file
// task's decode / filters / encode), summed over its tasks, in the order the stages ran.
struct StageTotal {
  std::string name;
  double seconds = 0.0;           // summed over tasks
  double share = 0.0;             // of the summed task time (the rest: between stages, e.g. conversions)
  double ms_per_megapixel = 0.0;  // over the pixels of the tasks that ran the stage
};
[[nodiscard]] std::vector<StageTotal> stage_totals(const BatchResult& batch);

// Every run's stage totals as one table: a row per stage name (in first-seen order over the runs), a column per
// run. Empty when no run recorded stages.
struct StageTable {
  std::vector<std::string> stages;
  std::vector<std::vector<StageTotal>> per_run;  // comparison.runs order
  // Run r's total for `stage`, or nullptr when that run did not record it.
  [[nodiscard]] const StageTotal* find(std::size_t run, const std::string& stage) const;
};
[[nodiscard]] StageTable stage_table(const Comparison& comparison);

// Where one run's wall time went, worker by worker: each worker's share of [start_s, end_s] before its first task
// (waiting to be woken and handed work), filtering (its tasks' records), between its tasks, and after its last
// one, averaged over the executor's workers (one with no task counts as waiting throughout). The shares sum to 1.
// For threads the part that is not filtering is what the machine itself costs; for the process pool, what
// processes cost on top: wake-ups, frames, scheduling.
struct WallTimeSplit {
  double before_first = 0.0;
  double filtering = 0.0;
  double between = 0.0;
  double after_last = 0.0;
};
[[nodiscard]] WallTimeSplit wall_time_split(const BatchResult& batch);

// Sentences stating what this run measured: the fastest paradigm at each worker count and by how much, whether
// threads scaled, what the process pool paid for start-up and transfer, whether more workers than CPUs helped,
// and what each run was seen to use.
[[nodiscard]] std::vector<std::string> observations(const Comparison& comparison, unsigned logical_cpus);

// How the figures were measured, in one sentence for every report: repeats and warm-ups, pools started before
// timing, the process pool's transport, fused or profiled filters.
[[nodiscard]] std::string measurement_method(const Comparison& comparison);

// The answer to "which paradigm and worker count should I use for this batch on this machine, by how much, and how
// sure", from this comparison's medians and the spread of its repeats, as the first line of every report:
//
//   Use threads with 2 workers: 1.93x sequential (repeats within ±2%); processes x2 is 4% slower.
//
// It says no more than the runs show: where the fastest configurations' repeats overlap (min-max ranges) there is
// no winner; with one measured run per configuration the spread is unknown and it says so; without a sequential
// run no speedup; and a configuration with failed tasks or outputs that differ from sequential is never chosen.
struct Verdict {
  enum class Kind {
    winner,              // the fastest's range is clear of every other configuration's
    indistinguishable,   // the fastest configurations' ranges overlap: no single winner on this run
    spread_unknown,      // one measured run per configuration: the fastest is named, how sure is not known
    nothing_to_compare,  // fewer than two configurations ran cleanly (every task, identical outputs)
  };
  Kind kind = Kind::nothing_to_compare;
  // Indices into comparison.runs, fastest first: the winner alone (winner, spread_unknown), or every
  // configuration indistinguishable from the fastest. Empty for nothing_to_compare.
  std::vector<std::size_t> fastest;
  // The fastest's median speedup over sequential; NaN without a sequential run, or when sequential is fastest.
  double speedup = std::numeric_limits<double>::quiet_NaN();
  // The fastest's repeats: their largest distance from the median, as a share of it; NaN with one repeat.
  double spread = std::numeric_limits<double>::quiet_NaN();
  // The next fastest clean configuration, and how much slower its median is (0.04: 4%); for winner and
  // spread_unknown.
  std::optional<std::size_t> runner_up;
  double runner_up_slower = std::numeric_limits<double>::quiet_NaN();
  std::string sentence;  // the report's first line
};
[[nodiscard]] Verdict verdict(const Comparison& comparison);

// What the analysis says about one run, beyond the figures in its ComparisonRun.
struct RunAnalysis {
  double karp_flatt = 0.0;         // karp_flatt(speedup, workers): NaN for one worker
  std::vector<StageTotal> stages;  // stage_totals(batch)
  WallTimeSplit wall_time;         // wall_time_split(batch)
};

// Everything above for one comparison, computed once: the reports (report.hpp) only format it, so that no two of
// them can state a figure differently.
struct ComparisonAnalysis {
  std::vector<RunAnalysis> runs;  // comparison.runs order
  std::vector<AmdahlFit> fits;
  std::vector<std::string> karp_flatt_notes;
  std::vector<TransferCost> transfer;
  StageTable stages;
  std::vector<std::string> observations;
  std::string method;  // measurement_method()
  Verdict verdict;     // verdict()
};
// `logical_cpus` (0: unknown) as for fit_amdahl() and observations(): the machine's, MachineInfo::logical_cpus.
[[nodiscard]] ComparisonAnalysis analyse(const Comparison& comparison, unsigned logical_cpus);

}  // namespace pipeline
