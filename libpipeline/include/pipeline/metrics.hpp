#pragma once
// Speedup, efficiency and the experimentally determined serial fraction, from measured times.

#include <cstddef>
#include <cstdint>
#include <string>

#include "pipeline/executor.hpp"

namespace pipeline {

// T_sequential / T_parallel.
[[nodiscard]] double speedup(double sequential_seconds, double parallel_seconds) noexcept;
// speedup / workers.
[[nodiscard]] double efficiency(double speedup, int workers) noexcept;
// Karp-Flatt: e = (1/S - 1/p) / (1 - 1/p). Undefined (NaN) for p = 1. A value that rises with p points at
// overhead growing with the worker count rather than a fixed serial part.
[[nodiscard]] double karp_flatt(double speedup, int workers) noexcept;

// What a run was observed to use, counted over its task records.
struct Footprint {
  std::size_t processes = 0;  // distinct PIDs (per host)
  std::size_t threads = 0;    // distinct (PID, TID) pairs (per host)
  std::size_t cores = 0;      // distinct CPU cores seen at task start or end (per host)
  std::size_t hosts = 0;      // distinct host names
};
[[nodiscard]] Footprint footprint(const BatchResult& batch);

// A duration for people: milliseconds below a second, where seconds to three places would hide the differences
// ("2.04 ms", "45.3 ms", "1.25 s"). Machine-read fields (JSON, CSV) stay in seconds.
[[nodiscard]] std::string format_duration(double seconds);
// Bytes for people, in decimal units with three significant digits: "61.4 kB", "1.54 MB", "144 MB", "12.6 GB".
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);

}  // namespace pipeline
