// The terminal timeline: a run's task records drawn as one row of block characters per worker.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pipeline/report.hpp"
#include "report/worker_lanes.hpp"

namespace pipeline {
namespace {

constexpr const char* busy_even = "█";
constexpr const char* busy_odd = "▓";
constexpr const char* idle = "░";
constexpr const char* starting = "·";
constexpr const char* failed = "✗";

}  // namespace

std::string format_timeline(const BatchResult& batch, int columns) {
  columns = std::max(columns, 8);
  const double origin = batch.start_s;
  const double span = batch.end_s - batch.start_s;
  std::string out = fmt::format("{} x{}\n", batch.executor, batch.workers);
  if (!(span > 0.0)) return out;

  const double cell = span / columns;
  const double ready = batch.ready_s - origin;
  // Only workers that ran a task get a row: the timeline is about where the work went.
  const detail::WorkerLanes lanes = detail::worker_lanes(batch, false);
  for (const auto& [worker, lane] : lanes.lanes) {
    std::vector<const TaskRecord*> tasks;  // by start time: the cells below walk them in order
    for (const std::size_t t : lane.tasks) tasks.push_back(&batch.tasks[t].record);
    std::sort(tasks.begin(), tasks.end(),
              [](const TaskRecord* a, const TaskRecord* b) { return a->start_s < b->start_s; });
    std::string bar;
    std::size_t first = 0;  // first task that may still overlap the current cell
    for (int c = 0; c < columns; ++c) {
      const double from = c * cell;
      const double to = from + cell;
      while (first < tasks.size() && tasks[first]->end_s - origin <= from) ++first;
      double covered = 0.0;
      double best_overlap = 0.0;
      std::size_t best = tasks.size();
      for (std::size_t t = first; t < tasks.size() && tasks[t]->start_s - origin < to; ++t) {
        const double overlap = std::min(to, tasks[t]->end_s - origin) - std::max(from, tasks[t]->start_s - origin);
        if (overlap <= 0.0) continue;
        covered += overlap;
        if (overlap > best_overlap) {
          best_overlap = overlap;
          best = t;
        }
      }
      if (covered >= cell / 2 && best < tasks.size()) {
        bar += !tasks[best]->ok() ? failed : best % 2 == 0 ? busy_even : busy_odd;
      } else {
        bar += to <= ready ? starting : idle;
      }
    }
    std::string ids;
    for (const auto& [pid, tid] : lane.os_ids) ids += fmt::format("{}pid {} tid {}", ids.empty() ? "" : "; ", pid, tid);
    out += fmt::format("  worker {:<2}|{}| {:>3.0f}% busy  {}\n", worker, bar, 100.0 * lane.busy_s / span, ids);
  }
  // The time axis under the bars: 0 at the first cell, the run's length at the last.
  const std::string end = fmt::format("{:.1f} ms", span * 1e3);
  out += fmt::format("{:12}0{:>{}}\n", "", end, static_cast<std::size_t>(columns) - 1);
  return out;
}

}  // namespace pipeline
