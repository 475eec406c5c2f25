// The comparison as Chrome trace events, drawn from the task records alone.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pipeline/report.hpp"

namespace pipeline {
namespace {

using nlohmann::json;

json metadata(const char* what, int pid, int tid, const std::string& name) {
  json event = {{"ph", "M"}, {"name", what}, {"pid", pid}, {"args", {{"name", name}}}};
  if (tid >= 0) event["tid"] = tid;
  return event;
}

}  // namespace

std::string comparison_trace(const Comparison& comparison) {
  double origin = std::numeric_limits<double>::infinity();
  for (const auto& run : comparison.runs) origin = std::min(origin, run.batch.start_s);
  const auto micros = [origin](double seconds) { return (seconds - origin) * 1e6; };

  json events = json::array();
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    const BatchResult& batch = comparison.runs[r].batch;
    // Trace pids are runs, not OS pids: runs reuse the parent's pid, and a worker slot may hold several processes.
    const int pid = static_cast<int>(r) + 1;
    events.push_back(metadata("process_name", pid, -1, fmt::format("{} x{}", batch.executor, batch.workers)));
    events.push_back({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", pid}, {"args", {{"sort_index", pid}}}});

    // A pool started ahead of its runs (Executor::start) paid nothing here; one started by the run shows it.
    if (batch.startup_seconds() > 0.0) {
      events.push_back(metadata("thread_name", pid, 0, "pool"));
      events.push_back({{"ph", "X"},
                        {"name", "start-up"},
                        {"cat", "pool"},
                        {"pid", pid},
                        {"tid", 0},
                        {"ts", micros(batch.start_s)},
                        {"dur", batch.startup_seconds() * 1e6}});
    }

    std::map<int, std::set<std::pair<std::int64_t, std::int64_t>>> os_ids;  // worker -> (pid, tid) seen
    for (const auto& task : batch.tasks) {
      const TaskRecord& record = task.record;
      if (record.pid == 0) continue;  // never ran
      os_ids[record.worker].insert({record.pid, record.tid});
      json args = {{"pixels", record.pixels},
                   {"os_pid", record.pid},
                   {"os_tid", record.tid},
                   {"cpu_start", record.cpu_start},
                   {"cpu_end", record.cpu_end},
                   {"bytes_sent", record.bytes_sent},
                   {"bytes_received", record.bytes_received},
                   {"transfer_s", record.transfer_s}};
      if (!record.ok()) args["error"] = record.error;
      events.push_back({{"ph", "X"},
                        {"name", record.image},
                        {"cat", record.ok() ? "task" : "failed"},
                        {"pid", pid},
                        {"tid", record.worker + 1},
                        {"ts", micros(record.start_s)},
                        {"dur", record.seconds() * 1e6},
                        {"args", std::move(args)}});
      // Stages nest inside their task's slice on the same track: Perfetto draws them one level down.
      for (const auto& stage : record.stages) {
        events.push_back({{"ph", "X"},
                          {"name", stage.name},
                          {"cat", "stage"},
                          {"pid", pid},
                          {"tid", record.worker + 1},
                          {"ts", micros(stage.start_s)},
                          {"dur", stage.seconds() * 1e6},
                          {"args", {{"image", record.image}}}});
      }
    }
    for (const auto& [worker, ids] : os_ids) {
      std::string name = fmt::format("worker {}", worker);
      for (const auto& [os_pid, os_tid] : ids) name += fmt::format(" pid {} tid {};", os_pid, os_tid);
      name.pop_back();
      events.push_back(metadata("thread_name", pid, worker + 1, name));
    }
  }
  return json{{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}}.dump() + "\n";
}

}  // namespace pipeline
