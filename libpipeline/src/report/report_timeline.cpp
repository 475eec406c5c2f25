// The terminal timeline: a run's task records drawn as one row of block characters per worker.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pipeline/report.hpp"

namespace pipeline {
namespace {

constexpr const char* busy_even = "█";
constexpr const char* busy_odd = "▓";
constexpr const char* idle = "░";
constexpr const char* starting = "·";
constexpr const char* failed = "✗";

struct Lane {
  std::vector<const TaskRecord*> tasks;  // by start time
  std::set<std::pair<std::int64_t, std::int64_t>> os_ids;
  double busy_s = 0.0;
};

}  // namespace

std::string format_timeline(const BatchResult& batch, int columns) {
  columns = std::max(columns, 8);
  const double origin = batch.start_s;
  const double span = batch.end_s - batch.start_s;
  std::string out = fmt::format("{} x{}\n", batch.executor, batch.workers);
  if (!(span > 0.0)) return out;

  std::map<int, Lane> lanes;
  for (const auto& task : batch.tasks) {
    const TaskRecord& record = task.record;
    if (record.pid == 0) continue;  // never ran (e.g. refused before reaching a worker)
    Lane& lane = lanes[record.worker];
    lane.tasks.push_back(&record);
    lane.os_ids.insert({record.pid, record.tid});
    lane.busy_s += record.seconds();
  }
  const double cell = span / columns;
  const double ready = batch.ready_s - origin;
  for (auto& [worker, lane] : lanes) {
    std::sort(lane.tasks.begin(), lane.tasks.end(),
              [](const TaskRecord* a, const TaskRecord* b) { return a->start_s < b->start_s; });
    std::string bar;
    std::size_t first = 0;  // first task that may still overlap the current cell
    for (int c = 0; c < columns; ++c) {
      const double from = c * cell;
      const double to = from + cell;
      while (first < lane.tasks.size() && lane.tasks[first]->end_s - origin <= from) ++first;
      double covered = 0.0;
      double best_overlap = 0.0;
      std::size_t best = lane.tasks.size();
      for (std::size_t t = first; t < lane.tasks.size() && lane.tasks[t]->start_s - origin < to; ++t) {
        const double overlap = std::min(to, lane.tasks[t]->end_s - origin) - std::max(from, lane.tasks[t]->start_s - origin);
        if (overlap <= 0.0) continue;
        covered += overlap;
        if (overlap > best_overlap) {
          best_overlap = overlap;
          best = t;
        }
      }
      if (covered >= cell / 2 && best < lane.tasks.size()) {
        bar += !lane.tasks[best]->ok() ? failed : best % 2 == 0 ? busy_even : busy_odd;
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
