#pragma once
// One task = one image through the chain, and the record of where and when it ran.

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/filter.hpp"
#include "pipeline/image.hpp"
#include "pipeline/timing.hpp"

namespace pipeline {

// Where and when one image was processed. Times are monotonic_seconds() (timing.hpp), one clock for every process
// of the machine; the mpi executor maps other hosts' times onto the calling host's clock (mpi_executor.hpp).
struct TaskRecord {
  std::string image;
  int worker = 0;        // index of the worker (thread or process) within its executor, 0-based
  std::string host;      // name of the machine that ran it (gethostname); pid, tid and cores are that host's
  std::int64_t pid = 0;  // process that ran the filters
  std::int64_t tid = 0;  // OS thread id (gettid), not std::thread::id
  int cpu_start = -1;    // sched_getcpu() when the task started / ended; -1 if unknown
  int cpu_end = -1;
  double start_s = 0.0;
  double end_s = 0.0;
  std::uint64_t bytes_sent = 0;  // pixels and framing moved to and from a worker process (0 in-process)
  std::uint64_t bytes_received = 0;
  double transfer_s = 0.0;          // part of the task spent moving data rather than filtering
  std::uint64_t pixels = 0;         // width * height of the input image (0 if it could not be read)
  std::vector<StageTiming> stages;  // in order; empty unless profiling or a file task
  std::string error;                // empty when the task succeeded
  std::string warnings;             // what decoding a file task's input said that did not stop it ("; "-joined)
  bool cancelled = false;           // never started: the run was stopped first (RunOptions::stop); error says so

  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
  [[nodiscard]] double seconds() const noexcept { return end_s - start_s; }
};

struct TaskResult {
  Image output;  // empty when the task failed
  TaskRecord record;
};

// Runs `chain` on `input` in the calling thread and records it. Never throws for a failing filter: the
// exception's message becomes record.error and the output is left empty. With `profile_stages` every filter runs
// on its own, its output materialised, and is timed into record.stages (slower: no fusion).
[[nodiscard]] TaskResult run_task(const FilterChain& chain, const NamedImage& input, int worker,
                                  bool profile_stages = false);

}  // namespace pipeline
