#pragma once
// Reports of a comparison: the terminal's text, JSON, CSV, Markdown, a Chrome trace and an HTML page. They read only
// task records, the comparison's figures, its analysis and the conditions of the run, never executors' internals.
//
// Each writer that states analysed figures takes the ComparisonAnalysis (analysis.hpp) to format, computed once
// for all of them:
//
//   const auto analysis = pipeline::analyse(comparison, conditions.machine.logical_cpus);
//   std::cout << pipeline::format_comparison(comparison, conditions, analysis);
//   std::ofstream("report.json") << pipeline::comparison_json(comparison, conditions, analysis);
//
// The forms without it analyse the comparison themselves.

#include <cstddef>
#include <span>
#include <string>

#include "pipeline/analysis.hpp"
#include "pipeline/comparison.hpp"
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

// The table `Paradigm | Workers | Time (s) | Speedup | Efficiency | PIDs | Threads | Cores | Identical`, preceded by
// the conditions and followed by the failures and mismatches, if any.
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

// The conditions, the table, the Amdahl fits and the observations, as Markdown for a README or an issue.
[[nodiscard]] std::string comparison_markdown(const Comparison& comparison, const RunConditions& conditions,
                                              const ComparisonAnalysis& analysis);
[[nodiscard]] std::string comparison_markdown(const Comparison& comparison, const RunConditions& conditions);

// Chrome trace-event JSON ({"traceEvents": [...]}, opens in Perfetto or chrome://tracing): one process per run
// ("threads x2"), one track per worker, one "X" slice per task (image name; OS pid/tid, cores, bytes, transfer
// and error in args), and the pool's start-up as a slice of its own. Times in microseconds from the first run.
[[nodiscard]] std::string comparison_trace(const Comparison& comparison);

// One self-contained HTML page (no network, no scripts or fonts from elsewhere): the conditions, the table, a
// speedup-vs-workers chart (medians with min-max bars, the ideal line, each paradigm's fitted Amdahl curve), an
// efficiency chart, the observations, and per run a Gantt timeline (a lane per worker, tasks coloured by image,
// PID / thread / core on hover).
[[nodiscard]] std::string comparison_html(const Comparison& comparison, const RunConditions& conditions,
                                          const ComparisonAnalysis& analysis);
[[nodiscard]] std::string comparison_html(const Comparison& comparison, const RunConditions& conditions);

}  // namespace pipeline
