#pragma once
// Reports of a comparison: the terminal's text, JSON, CSV, Markdown, a Chrome trace and an HTML page. They read only
// task records, the comparison's figures, its analysis and the conditions of the run, never executors' internals.
//
// Each writer that states analysed figures takes the ComparisonAnalysis (analysis.hpp) to format, computed once
// for all of them:
//
//   const auto conditions = pipeline::run_conditions("photos/", batch, chain);
//   const auto analysis = pipeline::analyse(comparison, conditions.machine.logical_cpus);
//   std::cout << pipeline::format_comparison(comparison, conditions, analysis);
//   std::ofstream("report.json") << pipeline::comparison_json(comparison, conditions, analysis);
//
// The forms without it analyse the comparison themselves. The comparison comes from run_comparison(), or, for runs
// a program made itself, from comparison_of() (comparison.hpp): examples/report_own_runs.cpp.

#include <cstddef>
#include <span>
#include <string>

#include "pipeline/analysis.hpp"
#include "pipeline/comparison.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/image.hpp"
#include "pipeline/machine.hpp"
#include "pipeline/vips.hpp"

namespace pipeline {

struct DatasetInfo {
  std::string source;  // "synthetic (seed 42)" or "folder photos/"
  std::size_t images = 0;
  double megapixels = 0.0;
};

[[nodiscard]] DatasetInfo describe_dataset(std::string source, std::span<const NamedImage> batch);

// What the report states about the conditions of the measurement.
struct RunConditions {
  MachineInfo machine;
  DatasetInfo dataset;
  std::string filters;
  VipsSettings vips;  // warm-up, repeats and stage profiling are the Comparison's own, from its plan
};

// The conditions of runs made in this process: this machine (describe_machine), the libvips settings in force,
// `batch` described as `source` (describe_dataset) and the chain's spec, in one call. Warm-up, repeats and stage
// profiling are not among them: the Comparison carries those, from the ComparisonPlan that made it.
[[nodiscard]] RunConditions run_conditions(std::string source, std::span<const NamedImage> batch,
                                           const FilterChain& chain);

// The verdict (analysis.hpp) on the first line, then the table `Paradigm | Workers | Time (s) | Speedup | Efficiency |
// PIDs | Threads | Cores | Identical`, preceded by the conditions and followed by the failures and mismatches, if any.
[[nodiscard]] std::string format_comparison(const Comparison& comparison, const RunConditions& conditions,
                                            const ComparisonAnalysis& analysis);
[[nodiscard]] std::string format_comparison(const Comparison& comparison, const RunConditions& conditions);

// A compact timeline of one run drawn from its task records, one row per worker, time across `columns` cells:
//
//   threads x2   0 ms ........................................ 27.1 ms
//     worker 0 |████▓▓▓▓████▓▓▓▓░░████| 96% busy  pid 4242 tid 4244
//
// A cell is busy (█ and ▓ alternate from task to task) when a task covered at least half of it; ░ is idle, and ✗
// marks a failed task.
[[nodiscard]] std::string format_timeline(const BatchResult& batch, int columns = 60);

// The JSON report, schema "image-pipeline/report/1" (README, "JSON report"). Later versions add fields, never
// rename these.
[[nodiscard]] std::string comparison_json(const Comparison& comparison, const RunConditions& conditions,
                                          const ComparisonAnalysis& analysis);
[[nodiscard]] std::string comparison_json(const Comparison& comparison, const RunConditions& conditions);

// One row per run: executor, workers, median/min/max seconds, speedup, efficiency, Karp-Flatt, start-up,
// identical, failed tasks, processes/threads/cores seen. Undefined figures are empty fields.
[[nodiscard]] std::string comparison_csv(const Comparison& comparison, const ComparisonAnalysis& analysis);
[[nodiscard]] std::string comparison_csv(const Comparison& comparison);

// The verdict, the conditions, the table, the Amdahl fits and the observations, as Markdown for a README or an issue.
[[nodiscard]] std::string comparison_markdown(const Comparison& comparison, const RunConditions& conditions,
                                              const ComparisonAnalysis& analysis);
[[nodiscard]] std::string comparison_markdown(const Comparison& comparison, const RunConditions& conditions);

// Chrome trace-event JSON ({"traceEvents": [...]}, opens in Perfetto or chrome://tracing): one process per run
// ("threads x2"), one track per worker, one "X" slice per task (image name; OS pid/tid, cores, bytes, transfer
// and error in args), and the pool's start-up as a slice of its own. Times in microseconds from the first run.
[[nodiscard]] std::string comparison_trace(const Comparison& comparison);

// One self-contained HTML page (no network, no scripts or fonts from elsewhere): the verdict, the conditions, the
// table, a speedup-vs-workers chart (medians with min-max bars, the ideal line, each paradigm's fitted Amdahl
// curve) and an efficiency chart when there is a sequential run, the observations, and per run a Gantt timeline (a
// lane per worker, tasks coloured by image, PID / thread / core on hover).
[[nodiscard]] std::string comparison_html(const Comparison& comparison, const RunConditions& conditions,
                                          const ComparisonAnalysis& analysis);
[[nodiscard]] std::string comparison_html(const Comparison& comparison, const RunConditions& conditions);

}  // namespace pipeline
