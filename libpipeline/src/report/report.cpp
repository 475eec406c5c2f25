#include "pipeline/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pipeline/analysis.hpp"

namespace pipeline {
namespace {

// Where the time goes, stage by stage and run by run; empty when no run recorded stages (no --profile-filters).
std::string format_stage_table(const Comparison& comparison, const StageTable& table) {
  if (table.stages.empty()) return {};
  std::string out =
      "\nWhere the time goes, stage by stage (each filter run on its own and timed; summed over the "
      "tasks of the median run; ms per megapixel and share of task time):\n";
  out += fmt::format("  {:<16}", "Stage");
  for (const auto& run : comparison.runs) {
    out += fmt::format(" | {:>18}", fmt::format("{} x{}", run.batch.executor, run.batch.workers));
  }
  out += '\n';
  for (const auto& name : table.stages) {
    out += fmt::format("  {:<16}", name);
    for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
      const StageTotal* total = table.find(r, name);
      out += total == nullptr ? fmt::format(" | {:>18}", "-")
                              : fmt::format(" | {:>18}", fmt::format("{:.2f} ms/MP {:>3.0f}%", total->ms_per_megapixel,
                                                                     100.0 * total->share));
    }
    out += '\n';
  }
  return out;
}

}  // namespace

DatasetInfo describe_dataset(std::string source, std::span<const NamedImage> batch) {
  DatasetInfo info{std::move(source), batch.size(), 0.0};
  for (const auto& image : batch) info.megapixels += static_cast<double>(image.image.pixel_count()) / 1e6;
  return info;
}

RunConditions run_conditions(std::string source, std::span<const NamedImage> batch, const FilterChain& chain) {
  return {describe_machine(), describe_dataset(std::move(source), batch), chain.spec(), current_vips_settings()};
}

std::string format_comparison(const Comparison& comparison, const RunConditions& conditions) {
  return format_comparison(comparison, conditions, analyse(comparison, conditions.machine.logical_cpus));
}

std::string format_comparison(const Comparison& comparison, const RunConditions& conditions,
                              const ComparisonAnalysis& analysis) {
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };
  const unsigned cpus = conditions.machine.logical_cpus;
  const auto oversubscribed_run = [cpus](const ComparisonRun& run) {
    return cpus > 0 && static_cast<unsigned>(run.batch.workers) > cpus;
  };
  // The answer first: what to use, by how much, how sure (Verdict, analysis.hpp).
  line(analysis.verdict.sentence);
  line("");
  line(fmt::format("Dataset: {}, {} images, {:.1f} MP", conditions.dataset.source, conditions.dataset.images,
                   conditions.dataset.megapixels));
  line(fmt::format("Filters: {}", conditions.filters));
  line(fmt::format("Machine: {}, {} logical CPUs; libvips {} with {} thread(s) per operation, operation cache {}",
                   conditions.machine.cpu_model, cpus, conditions.machine.libvips_version, conditions.vips.concurrency,
                   conditions.vips.cache_max_operations == 0
                       ? std::string("off")
                       : fmt::format("{} operations", conditions.vips.cache_max_operations)));
  if (!conditions.machine.kernels.empty()) line("Kernels: " + conditions.machine.kernels);
  line("");
  line("Times: " + analysis.method + "; Spread = slowest / fastest");
  line("");
  // Milliseconds: these runs often take a few, which seconds to three places would hide.
  line(fmt::format(
      "{:<12} | {:>7} | {:>9} | {:>7} | {:>8} | {:>10} | {:>6} | {:>13} | {:>5} | {:>4} | {:>7} | {:>5} | {}",
      "Paradigm", "Workers", "Time (ms)", "Spread", "Speedup", "Efficiency", "e", "Start-up (ms)", "Hosts", "PIDs",
      "Threads", "Cores", "Identical"));
  line(fmt::format("{:-<13}+{:-<9}+{:-<11}+{:-<9}+{:-<10}+{:-<12}+{:-<8}+{:-<15}+{:-<7}+{:-<6}+{:-<9}+{:-<7}+{:-<10}",
                   "", "", "", "", "", "", "", "", "", "", "", "", ""));
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    const ComparisonRun& run = comparison.runs[r];
    const bool baseline = r == 0 && comparison.has_baseline();
    const bool oversubscribed = oversubscribed_run(run);
    // Without a sequential run there is no speedup, efficiency or identity to state: "-".
    const auto cell = [](double value, const char* format) {
      return std::isfinite(value) ? fmt::format(fmt::runtime(format), value) : std::string("-");
    };
    const std::string spread =
        run.seconds.min > 0.0 && run.repeat_seconds.size() > 1
            ? fmt::format("{:.2f}{}", run.seconds.max / run.seconds.min, run.seconds.large() ? "!" : "")
            : std::string("-");
    line(fmt::format(
        "{:<12} | {:>7} | {:>9.2f} | {:>7} | {:>8} | {:>10} | {:>6} | {:>13.1f} | {:>5} | {:>4} | {:>7} | {:>5} | {}",
        run.batch.executor, fmt::format("{}{}", run.batch.workers, oversubscribed ? "*" : ""), run.seconds.median * 1e3,
        spread, cell(run.speedup, "{:.2f}x"), cell(run.efficiency * 100.0, "{:.1f}%"),
        karp_flatt_cell(analysis.runs[r].karp_flatt), run.startup_s * 1e3, run.observed.hosts, run.observed.processes,
        run.observed.threads, run.observed.cores,
        baseline                      ? "baseline"
        : !comparison.has_baseline()  ? "-"
        : run.identical_to_sequential ? "yes"
                                      : "NO"));
  }
  if (std::any_of(comparison.runs.begin(), comparison.runs.end(), oversubscribed_run)) {
    line(fmt::format("* more workers than the {} logical CPUs (oversubscribed)", cpus));
  }
  if (std::any_of(comparison.runs.begin(), comparison.runs.end(),
                  [](const ComparisonRun& run) { return run.seconds.large(); })) {
    line(fmt::format(
        "! slowest run more than {:.2f}x the fastest: the machine was noisy; more --repeats narrow the median",
        Spread::large_ratio));
  }

  for (const auto& run : comparison.runs) {
    for (const auto& task : run.batch.tasks) {
      if (!task.record.ok()) {
        line(fmt::format("FAILED {} ({} x{}): {}", task.record.image, run.batch.executor, run.batch.workers,
                         task.record.error));
      }
    }
    if (!run.identical_to_sequential) {
      line(fmt::format("MISMATCH {} x{}: outputs differ from sequential for {}", run.batch.executor, run.batch.workers,
                       fmt::join(run.mismatched_images, ", ")));
    }
  }
  for (const auto& note : analysis.karp_flatt_notes) line(note);
  const auto& fits = analysis.fits;
  if (!fits.empty()) {
    line("");
    line("Amdahl fit (least squares on 1 - 1/S = P (1 - 1/p) over the measured worker counts):");
    for (const auto& fit : fits) line(fmt::format("  {:<10} {}", fit.executor, describe_fit(fit)));
    line(
        "e: Karp-Flatt experimentally determined serial fraction, (1/S - 1/p) / (1 - 1/p); rising with p means "
        "overhead growing with the workers, not a fixed serial part.");
  }
  out += format_stage_table(comparison, analysis.stages);
  line("");
  line(fmt::format(
      "Timelines (the median run of each configuration; {} {} a task each, {} idle, {} pool starting, {} failed):", "█",
      "▓", "░", "·", "✗"));
  for (const auto& run : comparison.runs) out += format_timeline(run.batch);
  const auto& said = analysis.observations;
  if (!said.empty()) {
    line("");
    line("Observations:");
    for (const auto& sentence : said) line("  - " + sentence);
  }
  if (!comparison.has_baseline()) {
    line("");
    line("No sequential run: no speedup is stated, and outputs were not compared with a sequential run's.");
  } else if (comparison.runs.size() > 1) {
    line("");
    line(comparison.all_identical()
             ? "All runs produced outputs identical to the sequential run (per-image digest)."
             : "Some runs produced outputs that differ from the sequential run: see MISMATCH above.");
  }
  return out;
}

}  // namespace pipeline
