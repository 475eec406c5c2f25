// The comparison as CSV and as Markdown: the same figures as the terminal report, in formats other tools read.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "pipeline/analysis.hpp"
#include "pipeline/report.hpp"

namespace pipeline {
namespace {

std::string field(double value, const char* format = "{:.6g}") {
  return std::isfinite(value) ? fmt::format(fmt::runtime(format), value) : std::string();
}

}  // namespace

std::string comparison_csv(const Comparison& comparison) { return comparison_csv(comparison, analyse(comparison, 0)); }

std::string comparison_csv(const Comparison& comparison, const ComparisonAnalysis& analysis) {
  std::string out =
      "executor,workers,seconds,seconds_min,seconds_max,speedup,efficiency,karp_flatt,startup_s,"
      "identical_to_sequential,failed_tasks,processes,threads,cores,hosts\n";
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    const ComparisonRun& run = comparison.runs[r];
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", run.batch.executor, run.batch.workers,
                       field(run.seconds.median), field(run.seconds.min), field(run.seconds.max), field(run.speedup),
                       field(run.efficiency), field(analysis.runs[r].karp_flatt), field(run.startup_s),
                       !comparison.has_baseline() ? "" : (run.identical_to_sequential ? "true" : "false"),
                       run.batch.failure_count(), run.observed.processes, run.observed.threads, run.observed.cores,
                       run.observed.hosts);
  }
  return out;
}

std::string comparison_markdown(const Comparison& comparison, const RunConditions& conditions) {
  return comparison_markdown(comparison, conditions, analyse(comparison, conditions.machine.logical_cpus));
}

std::string comparison_markdown(const Comparison& comparison, const RunConditions& conditions,
                                const ComparisonAnalysis& analysis) {
  std::string out = "## image-pipeline comparison\n\n";
  out += "**" + analysis.verdict.sentence + "**\n\n";
  out += fmt::format("- Dataset: {}, {} images, {:.1f} MP\n", conditions.dataset.source, conditions.dataset.images,
                     conditions.dataset.megapixels);
  out += fmt::format("- Filters: `{}`\n", conditions.filters);
  out += fmt::format("- Machine: {}, {} logical CPUs, {}; libvips {} with {} thread(s) per operation, cache {}\n",
                     conditions.machine.cpu_model, conditions.machine.logical_cpus, conditions.machine.os,
                     conditions.machine.libvips_version, conditions.vips.concurrency,
                     conditions.vips.cache_max_operations == 0 ? std::string("off")
                                                               : std::to_string(conditions.vips.cache_max_operations));
  if (!conditions.machine.kernels.empty()) out += "- Kernels: " + conditions.machine.kernels + "\n";
  out += "- Times: " + analysis.method + "\n\n";
  // Milliseconds, as in the terminal's table: seconds to three places would hide the differences.
  out +=
      "| Paradigm | Workers | Time (ms) | Spread | Speedup | Efficiency | Karp-Flatt e | Start-up (ms) | Hosts | "
      "PIDs | Threads | Cores | Identical |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    const ComparisonRun& run = comparison.runs[r];
    const bool baseline = r == 0 && comparison.has_baseline();
    const std::string identical = baseline                      ? "baseline"
                                  : !comparison.has_baseline()  ? "-"
                                  : run.identical_to_sequential ? "yes"
                                                                : "**no**";
    out += fmt::format("| {} | {} | {:.2f} | {} | {} | {} | {} | {:.1f} | {} | {} | {} | {} | {} |\n",
                       run.batch.executor, run.batch.workers, run.seconds.median * 1e3,
                       run.seconds.min > 0.0 && run.repeat_seconds.size() > 1
                           ? fmt::format("{:.2f}", run.seconds.max / run.seconds.min)
                           : "-",
                       std::isfinite(run.speedup) ? fmt::format("{:.2f}x", run.speedup) : "-",
                       std::isfinite(run.efficiency) ? fmt::format("{:.1f}%", run.efficiency * 100.0) : "-",
                       karp_flatt_cell(analysis.runs[r].karp_flatt), run.startup_s * 1e3, run.observed.hosts,
                       run.observed.processes, run.observed.threads, run.observed.cores, identical);
  }
  const auto& notes = analysis.karp_flatt_notes;
  if (!notes.empty()) out += "\n";
  for (const auto& note : notes) out += note + ".\n";
  const auto& fits = analysis.fits;
  if (!fits.empty()) {
    out += "\nAmdahl fit (least squares on 1 - 1/S = P (1 - 1/p)):\n\n";
    for (const auto& fit : fits) out += fmt::format("- {}: {}\n", fit.executor, describe_fit(fit));
  }
  const StageTable& table = analysis.stages;
  if (!table.stages.empty()) {
    out += "\nWhere the time goes (each stage timed on its own; ms per megapixel, share of task time):\n\n| Stage |";
    for (const auto& run : comparison.runs) out += fmt::format(" {} x{} |", run.batch.executor, run.batch.workers);
    out += "\n|---|";
    for (std::size_t i = 0; i < comparison.runs.size(); ++i) out += "---:|";
    out += "\n";
    for (const auto& name : table.stages) {
      out += fmt::format("| {} |", name);
      for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
        const StageTotal* total = table.find(r, name);
        out += total == nullptr ? std::string(" - |")
                                : fmt::format(" {:.2f} ({:.0f}%) |", total->ms_per_megapixel, 100.0 * total->share);
      }
      out += "\n";
    }
  }
  const auto& said = analysis.observations;
  if (!said.empty()) {
    out += "\nObservations:\n\n";
    for (const auto& sentence : said) out += "- " + sentence + "\n";
  }
  return out;
}

}  // namespace pipeline
