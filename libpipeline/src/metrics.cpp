#include "pipeline/metrics.hpp"

#include <cmath>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace pipeline {

double speedup(double sequential_seconds, double parallel_seconds) noexcept {
  if (!(parallel_seconds > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return sequential_seconds / parallel_seconds;
}

double efficiency(double speedup, int workers) noexcept {
  if (workers < 1) return std::numeric_limits<double>::quiet_NaN();
  return speedup / workers;
}

double karp_flatt(double speedup, int workers) noexcept {
  if (workers < 2 || !(speedup > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  const double p = workers;
  return (1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "-";
  const double ms = seconds * 1e3;
  if (std::abs(ms) < 10.0) return fmt::format("{:.2f} ms", ms);
  if (std::abs(ms) < 1000.0) return fmt::format("{:.1f} ms", ms);
  return fmt::format("{:.2f} s", seconds);
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1000) return fmt::format("{} B", bytes);
  const auto value = static_cast<double>(bytes);
  const char* unit = "GB";
  double scaled = value / 1e9;
  if (value < 999.5e3) {
    unit = "kB", scaled = value / 1e3;
  } else if (value < 999.5e6) {
    unit = "MB", scaled = value / 1e6;
  }
  if (scaled < 9.995) return fmt::format("{:.2f} {}", scaled, unit);
  if (scaled < 99.95) return fmt::format("{:.1f} {}", scaled, unit);
  return fmt::format("{:.0f} {}", scaled, unit);
}

Footprint footprint(const BatchResult& batch) {
  // PIDs and core numbers are unique only within a host: counted with the host's name.
  std::set<std::string> hosts;
  std::set<std::pair<std::string, std::int64_t>> pids;
  std::set<std::tuple<std::string, std::int64_t, std::int64_t>> threads;
  std::set<std::pair<std::string, int>> cores;
  for (const auto& task : batch.tasks) {
    const TaskRecord& record = task.record;
    if (record.pid == 0) continue;  // never ran (e.g. a worker died before starting it)
    hosts.insert(record.host);
    pids.insert({record.host, record.pid});
    threads.insert({record.host, record.pid, record.tid});
    if (record.cpu_start >= 0) cores.insert({record.host, record.cpu_start});
    if (record.cpu_end >= 0) cores.insert({record.host, record.cpu_end});
  }
  return {pids.size(), threads.size(), cores.size(), hosts.size()};
}

}  // namespace pipeline
