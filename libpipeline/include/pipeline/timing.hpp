#pragma once
// The one clock every record is on, and a timed stage of a task.

#include <string>

namespace pipeline {

// Seconds on CLOCK_MONOTONIC: one clock shared by every process of the machine, so records from threads and from
// worker processes line up on one timeline.
[[nodiscard]] double monotonic_seconds() noexcept;

// One timed part of a task: a filter when profiling (FilterChain::apply_profiled), or a file task's "decode",
// "filters" and "encode".
struct StageTiming {
  std::string name;
  double start_s = 0.0;
  double end_s = 0.0;
  [[nodiscard]] double seconds() const noexcept { return end_s - start_s; }
};

}  // namespace pipeline
