// The analysis in words: the fits, the Karp-Flatt cells and notes, how the runs were measured and the
// observations. Every sentence is built from this comparison's figures.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "analysis_internals.hpp"
#include "pipeline/analysis.hpp"
#include "pipeline/paradigm.hpp"

namespace pipeline {
namespace {

std::string capitalized(std::string word) {
  if (!word.empty() && word.front() >= 'a' && word.front() <= 'z')
    word.front() = static_cast<char>(word.front() - 'a' + 'A');
  return word;
}

}  // namespace

std::string describe_fit(const AmdahlFit& fit) {
  const std::string p = fmt::format("P = {:.3f}", fit.parallel_fraction);
  switch (fit.kind) {
    case AmdahlFit::Kind::no_speedup:
      return fmt::format(
          "{} ({:.3f} by least squares, clamped): no faster than sequential at any worker count, so "
          "Amdahl's model (a serial part plus a parallel part) does not describe it; its costs are "
          "overhead",
          p, fit.least_squares_p);
    case AmdahlFit::Kind::superlinear:
      return fmt::format(
          "superlinear: speedups above the worker count (least squares gives P = {:.3f}, outside the "
          "[0, 1] a fraction can take), e.g. from caches; Amdahl's law does not apply and nothing is "
          "predicted",
          fit.least_squares_p);
    case AmdahlFit::Kind::single_point:
      return fmt::format(
          "{} estimated from one worker count ({}): not a fit, which needs two or more; nothing is "
          "predicted",
          p, fit.largest_workers);
    case AmdahlFit::Kind::fitted: break;
  }
  std::string text = fmt::format(
      "{} fitted over {} worker counts; max speedup {} with unlimited CPUs; predicted "
      "{:.2f}x at {} workers, {:.2f}x at {}",
      p, fit.points,
      std::isfinite(fit.max_speedup) ? fmt::format("{:.1f}x", fit.max_speedup)
                                     : std::string("unbounded (no serial part measured)"),
      fit.predicted_at_2x, 2 * fit.largest_workers, fit.predicted_at_4x, 4 * fit.largest_workers);
  if (std::isfinite(fit.machine_cap)) {
    text += fmt::format(" given that many CPUs; this machine's {} logical CPUs cap it at {:.2f}x", fit.logical_cpus,
                        fit.machine_cap);
  }
  return text;
}

std::string karp_flatt_text(double speedup, int workers) { return karp_flatt_cell(karp_flatt(speedup, workers)); }

std::string karp_flatt_cell(double e) {
  if (!std::isfinite(e)) return "-";
  if (e < 0.0) return "super";
  if (e > 1.0) return "slower";
  return fmt::format("{:.3f}", e);
}

std::vector<std::string> karp_flatt_notes(const Comparison& comparison) {
  bool super = false;
  bool slower = false;
  for (const auto& run : comparison.runs) {
    const double e = karp_flatt(run.speedup, run.batch.workers);
    super |= std::isfinite(e) && e < 0.0;
    slower |= std::isfinite(e) && e > 1.0;
  }
  std::vector<std::string> notes;
  if (super) {
    notes.emplace_back(
        "e super: faster than its workers dividing the work could be (superlinear, e.g. caches); "
        "Karp-Flatt's serial fraction would be below 0, so the model does not apply");
  }
  if (slower) {
    notes.emplace_back(
        "e slower: slower than sequential; Karp-Flatt's serial fraction would exceed 1: what it "
        "measures is overhead, not a serial part");
  }
  return notes;
}

std::string measurement_method(const Comparison& comparison) {
  std::string method;
  if (comparison.separate_runs) {
    // comparison_of(): the caller's runs, timed as they ran; a pool they started is in their time.
    method =
        "one run per row, as the program made it (no warm-up, no repeats, so no spread); a run that started its "
        "pool includes that start-up in its time";
  } else {
    method = fmt::format("median of {} measured run(s) per row, after {} warm-up run(s)", comparison.repeats,
                         comparison.warmup);
    const bool pools = std::any_of(comparison.runs.begin(), comparison.runs.end(),
                                   [](const ComparisonRun& run) { return !is_sequential(run.batch.executor); });
    if (pools) method += "; each pool started before its runs (its start-up shown apart, not in the times)";
  }
  // How pixels reached each kind of worker process, once per executor (its first run says it).
  std::vector<std::string> told;
  for (const auto& run : comparison.runs) {
    if (run.batch.transport.empty() || std::find(told.begin(), told.end(), run.batch.executor) != told.end()) {
      continue;
    }
    told.push_back(run.batch.executor);
    const bool mpi = run.batch.transport == "mpi";
    const std::string who = mpi ? "mpi" : "process pool";
    if (run.batch.in_place_tasks == run.batch.tasks.size()) {
      method += fmt::format("; {} pixels in shared memory, in place (images and outputs never copied)", who);
    } else if (mpi && run.batch.in_place_tasks == 0) {
      method += "; mpi pixels as MPI messages";
    } else if (mpi) {
      method += fmt::format(
          "; mpi pixels: {} of {} images in place in shared memory (ranks on rank 0's host), the "
          "others as MPI messages",
          run.batch.in_place_tasks, run.batch.tasks.size());
    } else if (run.batch.transport != "shm") {
      method += fmt::format("; process pool pixels through {}s", run.batch.transport);
    } else if (run.batch.in_place_tasks == 0) {
      method += "; process pool pixels through shared memory, copied in and out of each worker's segment";
    } else {
      method += fmt::format("; process pool pixels through shared memory, {} of {} images in place, the others copied",
                            run.batch.in_place_tasks, run.batch.tasks.size());
    }
  }
  method += comparison.profile_stages ? "; filters profiled one by one, outputs materialised (slower than fused)"
                                      : "; filters fused";
  return method;
}

std::vector<std::string> observations(const Comparison& comparison, unsigned logical_cpus) {
  return analyse(comparison, logical_cpus).observations;
}

namespace detail {

std::vector<std::string> observations_of(const Comparison& comparison, const ComparisonAnalysis& analysis,
                                         unsigned logical_cpus) {
  std::vector<std::string> said;
  if (comparison.runs.size() < 2) return said;
  // Every sentence below is stated against the sequential run: without one, there is nothing to say about speed.
  if (!comparison.has_baseline()) return said;
  const double baseline = comparison.baseline().seconds.median;

  // The fastest paradigm at each worker count, against the next one.
  std::map<int, std::vector<const ComparisonRun*>> by_workers;
  for (const auto& run : comparison.runs) {
    if (&run != &comparison.baseline()) by_workers[run.batch.workers].push_back(&run);
  }
  for (auto& [workers, runs] : by_workers) {
    std::sort(runs.begin(), runs.end(),
              [](const ComparisonRun* a, const ComparisonRun* b) { return a->seconds.median < b->seconds.median; });
    const ComparisonRun& best = *runs.front();
    // One paradigm at this worker count is not "fastest" of anything: its time is said as it is.
    std::string sentence =
        fmt::format("At {} worker(s), {} {}: {}, {:.2f}x sequential", workers, best.batch.executor,
                    runs.size() > 1 ? "were fastest" : "alone", format_duration(best.seconds.median), best.speedup);
    if (runs.size() > 1) {
      const ComparisonRun& next = *runs[1];
      sentence += fmt::format(", {:.2f}x faster than {} ({})", next.seconds.median / best.seconds.median,
                              next.batch.executor, format_duration(next.seconds.median));
    }
    if (best.seconds.large() || (runs.size() > 1 && runs[1]->seconds.large())) sentence += " (noisy: see Spread)";
    said.push_back(sentence + ".");
  }

  // Did each paradigm scale? Judged on its best median speedup, not on any expectation.
  for (const auto& executor : detail::parallel_executors(comparison)) {
    const auto runs = detail::runs_of(comparison, executor);
    const ComparisonRun* best = *std::max_element(runs.begin(), runs.end(),
                                                  [](const auto* a, const auto* b) { return a->speedup < b->speedup; });
    if (best->batch.workers < 2) continue;
    if (best->speedup >= 1.2) {
      // Above p, dividing the work does not explain it: say so rather than let it read as ideal scaling.
      const bool superlinear = best->speedup > best->batch.workers;
      said.push_back(
          fmt::format("{} scaled: up to {:.2f}x with {} workers{} ({} process(es), {} OS thread(s), {} "
                      "core(s){} seen running filters).",
                      executor, best->speedup, best->batch.workers,
                      superlinear ? ", more than the worker count (superlinear, e.g. caches)" : "",
                      best->observed.processes, best->observed.threads, best->observed.cores,
                      best->observed.hosts > 1 ? fmt::format(" on {} hosts", best->observed.hosts) : ""));
    } else {
      said.push_back(fmt::format("{} did not scale in this run: at best {:.2f}x sequential, with {} workers.", executor,
                                 best->speedup, best->batch.workers));
    }
  }

  // What the process pool (or the mpi executor) paid to start its workers and to move the images.
  for (const auto& run : comparison.runs) {
    const auto paradigm = paradigm_named(run.batch.executor);
    if (!paradigm || !workers_are_processes(*paradigm)) continue;
    const double startup = run.startup_s;
    // The pool was started before the timed runs; what a one-off batch would have paid in all is worth stating.
    const double one_off = startup + run.seconds.median;
    std::string sentence =
        comparison.separate_runs
            ? fmt::format("{} x{}: starting the workers took {} (in its time, as the run started its pool)",
                          capitalized(run.batch.executor), run.batch.workers, format_duration(startup))
            : fmt::format(
                  "{} x{}: starting the workers took {} (once per pool, not in the times; a one-off batch with "
                  "start-up would take {}, {:.2f}x sequential)",
                  capitalized(run.batch.executor), run.batch.workers, format_duration(startup),
                  format_duration(one_off), speedup(baseline, one_off));
    for (const auto& cost : analysis.transfer) {
      if (cost.workers != run.batch.workers || cost.executor != run.batch.executor) continue;
      if (run.batch.in_place_tasks == run.batch.tasks.size()) {
        // Only frames crossed: a rate in MB/s would say nothing about the pixels, which never moved.
        sentence += fmt::format(
            "; moving data took {:.0f}% of the task time (frames only, {:.0f} bytes per image: "
            "the pixels stayed in shared image memory)",
            100.0 * cost.transfer_share, cost.bytes_per_image);
      } else {
        sentence += fmt::format("; moving data took {:.0f}% of the task time ({:.1f} MB per image at {:.0f} MB/s)",
                                100.0 * cost.transfer_share, cost.bytes_per_image / 1e6, cost.megabytes_per_second);
      }
    }
    if (run.seconds.median > baseline) sentence += "; slower than sequential overall";
    said.push_back(sentence + ".");
  }

  // Where the wall time of each parallel run went: what is not filtering is what the paradigm cost.
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    const ComparisonRun& run = comparison.runs[r];
    if (&run == &comparison.baseline() || run.batch.tasks.empty()) continue;
    const WallTimeSplit& split = analysis.runs[r].wall_time;
    said.push_back(fmt::format(
        "{} x{}, the median run: the workers spent {:.0f}% of the wall time filtering, {:.0f}% before their first "
        "task, {:.0f}% between one task and the next, {:.0f}% after their last.",
        capitalized(run.batch.executor), run.batch.workers, 100.0 * split.filtering, 100.0 * split.before_first,
        100.0 * split.between, 100.0 * split.after_last));
  }

  // More workers than logical CPUs: did it help, paradigm by paradigm?
  if (logical_cpus > 0) {
    for (const auto& executor : detail::parallel_executors(comparison)) {
      const ComparisonRun* within = nullptr;
      const ComparisonRun* beyond = nullptr;
      for (const ComparisonRun* run : detail::runs_of(comparison, executor)) {
        const bool over = static_cast<unsigned>(run->batch.workers) > logical_cpus;
        const ComparisonRun*& slot = over ? beyond : within;
        if (slot == nullptr || run->seconds.median < slot->seconds.median) slot = run;
      }
      if (within == nullptr || beyond == nullptr) continue;
      // Only a difference larger than the runs' own spread is a finding: overlapping ranges are noise.
      const bool overlap = beyond->seconds.min <= within->seconds.max && within->seconds.min <= beyond->seconds.max;
      const bool helped = beyond->seconds.median < within->seconds.median;
      const char* verdict = overlap  ? "made no clear difference (the two runs' fastest-to-slowest ranges overlap)"
                            : helped ? "helped"
                                     : "did not help";
      said.push_back(
          fmt::format("{} with more workers than the {} logical CPUs {}: best {} at {} workers vs "
                      "{} at {}.",
                      executor, logical_cpus, verdict, format_duration(beyond->seconds.median), beyond->batch.workers,
                      format_duration(within->seconds.median), within->batch.workers));
    }
  }
  // With stage timings: which stage of the baseline cost the most.
  const auto& stages = analysis.runs.front().stages;
  if (!stages.empty()) {
    const auto top = std::max_element(stages.begin(), stages.end(),
                                      [](const StageTotal& a, const StageTotal& b) { return a.seconds < b.seconds; });
    said.push_back(
        fmt::format("Stage by stage in the sequential run, {} cost the most: {:.2f} ms/MP, {:.0f}% of the task "
                    "time.",
                    top->name, top->ms_per_megapixel, 100.0 * top->share));
  }
  return said;
}

}  // namespace detail
}  // namespace pipeline
