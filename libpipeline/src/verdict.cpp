// The verdict: which configuration to use, by how much and how sure, from the comparison's medians and the
// ranges of its repeats. Every clause is built from this run's figures, and only the ones they support.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "pipeline/analysis.hpp"
#include "pipeline/paradigm.hpp"

namespace pipeline {
namespace {

// "threads x2": a configuration in a list.
std::string label(const ComparisonRun& run) {
  if (is_sequential(run.batch.executor)) return run.batch.executor;
  return fmt::format("{} x{}", run.batch.executor, run.batch.workers);
}

// "threads with 2 workers": the configuration recommended.
std::string configuration(const ComparisonRun& run) {
  if (is_sequential(run.batch.executor)) return run.batch.executor;
  return fmt::format("{} with {} worker{}", run.batch.executor, run.batch.workers, run.batch.workers == 1 ? "" : "s");
}

// A share as a percentage with the digits it needs: "4%", "0.6%".
std::string percent(double share) {
  const double value = 100.0 * share;
  if (value >= 1.0) return fmt::format("{:.0f}%", value);
  if (value >= 0.1) return fmt::format("{:.1f}%", value);
  return "<0.1%";
}

// Every task succeeded and every output matched sequential: only such a configuration may be recommended.
bool clean(const ComparisonRun& run) {
  return run.failed_tasks == 0 && run.batch.failure_count() == 0 && run.identical_to_sequential &&
         run.seconds.median > 0.0;
}

bool overlap(const Spread& a, const Spread& b) { return a.min <= b.max && b.min <= a.max; }

// What the fastest configuration gains: against sequential when there is one to compare with.
std::string gain(const Comparison& comparison, const ComparisonRun& run) {
  if (!comparison.has_baseline()) {
    return fmt::format("{} (no sequential run, so no speedup is claimed)", format_duration(run.seconds.median));
  }
  if (&run == &comparison.baseline()) {
    return fmt::format("{}, faster than every parallel configuration", format_duration(run.seconds.median));
  }
  return fmt::format("{:.2f}x sequential", run.speedup);
}

std::string nothing_to_compare(const Comparison& comparison, const std::vector<std::size_t>& clean_runs) {
  if (comparison.runs.empty()) return "No runs: nothing to recommend.";
  if (comparison.runs.size() == 1) {
    const ComparisonRun& only = comparison.runs.front();
    return fmt::format("One configuration only ({}, {}): nothing to compare it with, so no recommendation.",
                       label(only), format_duration(only.seconds.median));
  }
  if (clean_runs.empty()) {
    return "No recommendation: every configuration had failed tasks or outputs that differ from sequential.";
  }
  return fmt::format(
      "No recommendation: only {} ran every task with outputs identical to sequential; the others had failed "
      "tasks or differing outputs, so their times are not comparable.",
      label(comparison.runs[clean_runs.front()]));
}

std::string indistinguishable(const Comparison& comparison, const std::vector<std::size_t>& tied) {
  std::vector<std::string> names;
  for (const std::size_t r : tied) names.push_back(label(comparison.runs[r]));
  std::string listed = names.front();
  for (std::size_t i = 1; i < names.size(); ++i) listed += (i + 1 == names.size() ? " and " : ", ") + names[i];
  const ComparisonRun& fastest = comparison.runs[tied.front()];
  const ComparisonRun& slowest = comparison.runs[tied.back()];
  const std::string range =
      comparison.has_baseline()
          ? fmt::format("{:.2f}x to {:.2f}x sequential", slowest.speedup, fastest.speedup)
          : fmt::format("{} to {}", format_duration(fastest.seconds.median), format_duration(slowest.seconds.median));
  const bool sequential_tied =
      comparison.has_baseline() && std::find(tied.begin(), tied.end(), std::size_t{0}) != tied.end();
  return fmt::format(
      "No single winner: {} are indistinguishable on this run (their repeats' fastest-to-slowest ranges overlap), "
      "{}{}; more repeats may separate them.",
      listed, range, sequential_tied ? ": parallel workers buy nothing measurable here" : "");
}

}  // namespace

Verdict verdict(const Comparison& comparison) {
  Verdict verdict;
  std::vector<std::size_t> ranked;  // the clean runs, fastest first
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    if (clean(comparison.runs[r])) ranked.push_back(r);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&comparison](std::size_t a, std::size_t b) {
    return comparison.runs[a].seconds.median < comparison.runs[b].seconds.median;
  });
  if (comparison.runs.size() < 2 || ranked.size() < 2) {
    verdict.sentence = nothing_to_compare(comparison, ranked);
    return verdict;
  }

  const ComparisonRun& best = comparison.runs[ranked.front()];
  if (comparison.has_baseline() && ranked.front() != 0) verdict.speedup = best.speedup;
  // How sure needs a spread, and a spread needs two measured runs of each configuration.
  const bool spread_known = std::all_of(ranked.begin(), ranked.end(), [&comparison](std::size_t r) {
    return comparison.runs[r].repeat_seconds.size() >= 2;
  });
  if (spread_known) {
    for (const std::size_t r : ranked) {
      if (overlap(comparison.runs[r].seconds, best.seconds)) verdict.fastest.push_back(r);
    }
    if (verdict.fastest.size() > 1) {
      verdict.kind = Verdict::Kind::indistinguishable;
      verdict.sentence = indistinguishable(comparison, verdict.fastest);
      return verdict;
    }
    verdict.kind = Verdict::Kind::winner;
    verdict.spread =
        std::max(best.seconds.max - best.seconds.median, best.seconds.median - best.seconds.min) / best.seconds.median;
  } else {
    verdict.kind = Verdict::Kind::spread_unknown;
    verdict.fastest = {ranked.front()};
  }
  const ComparisonRun& next = comparison.runs[ranked[1]];
  verdict.runner_up = ranked[1];
  verdict.runner_up_slower = next.seconds.median / best.seconds.median - 1.0;

  if (verdict.kind == Verdict::Kind::winner) {
    verdict.sentence =
        fmt::format("Use {}: {} (repeats within ±{}); {} is {} slower.", configuration(best), gain(comparison, best),
                    percent(verdict.spread), label(next), percent(verdict.runner_up_slower));
  } else {
    verdict.sentence = fmt::format(
        "Fastest on this run: {}, {}; {} was {} slower. One measured run per configuration, so the spread is "
        "unknown and a rerun may rank them otherwise: measure with repeats before choosing.",
        configuration(best), gain(comparison, best), label(next), percent(verdict.runner_up_slower));
  }
  return verdict;
}

}  // namespace pipeline
