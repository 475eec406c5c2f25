#pragma once
// One task = one image through the chain, and the record of where and when it ran.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/filter.hpp"
#include "pipeline/image.hpp"
#include "pipeline/image_io.hpp"

namespace pipeline {

// One timed part of a task: a filter when profiling (FilterChain::apply_profiled), or a file task's "decode",
// "filters" and "encode".
struct StageTiming {
  std::string name;
  double start_s = 0.0;
  double end_s = 0.0;
  [[nodiscard]] double seconds() const noexcept { return end_s - start_s; }
};

// Where and when one image was processed. Times are seconds on CLOCK_MONOTONIC, one clock shared by every
// process of the machine, so records from threads and from worker processes line up on one timeline.
struct TaskRecord {
  std::string image;
  int worker = 0;          // index of the worker (thread or process) within its executor, 0-based
  std::int64_t pid = 0;    // process that ran the filters
  std::int64_t tid = 0;    // OS thread id (gettid), not std::thread::id
  int cpu_start = -1;      // sched_getcpu() when the task started / ended; -1 if unknown
  int cpu_end = -1;
  double start_s = 0.0;
  double end_s = 0.0;
  std::uint64_t bytes_sent = 0;      // pixels and framing moved to and from a worker process (0 in-process)
  std::uint64_t bytes_received = 0;
  double transfer_s = 0.0;           // part of the task spent moving data rather than filtering
  std::uint64_t pixels = 0;          // width * height of the input image (0 if it could not be read)
  std::vector<StageTiming> stages;   // in order; empty unless profiling or a file task
  std::string error;                 // empty when the task succeeded
  std::string warnings;              // what decoding a file task's input said that did not stop it ("; "-joined)
  bool cancelled = false;            // never started: the run was stopped first (RunOptions::stop); error says so

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
// The same, the output written into `into` when it has the output's geometry (FilterChain::apply_into): then
// the result's output is empty and `into` holds it. Used where the output must land in given memory.
[[nodiscard]] TaskResult run_task_into(const FilterChain& chain, const NamedImage& input, Image& into, int worker,
                                       bool profile_stages = false);

// A file-to-file task: decode `input`, run the chain, write `output` as PNG atomically.
struct FileJob {
  std::filesystem::path input;
  std::filesystem::path output;
};

struct FileJobOptions {
  int png_compression = 6;  // 0..9
  DecodeOptions decode{};   // how strict decoding the inputs is, and their pixel limit
  // Bytes the images of the jobs in progress may take together, each job's share estimated from its file's header
  // (memory_budget.hpp): a job waits until its share fits, and one over the whole budget fails. Unset:
  // default_memory_budget(), half of the memory this process may use; 0: no budget (no header read ahead).
  std::optional<std::uint64_t> memory_budget{};
};

// Runs one file job in the calling thread. Never throws: an unreadable input, a failing filter or an unwritable
// output becomes record.error, the reason without the input's name (and no output file appears); what decoding
// said about an input it decoded all the same is record.warnings. record.image is the input's file name; record.stages
// holds "decode", the filters ("filters" as one stage, or one per filter with `profile_stages`) and "encode".
// Requires initialize_vips().
[[nodiscard]] TaskRecord run_file_task(const FilterChain& chain, const FileJob& job, const FileJobOptions& options,
                                       int worker, bool profile_stages = false);

// The record of a task that never started because its run was stopped (RunOptions::stop in executor.hpp): it ran
// nowhere (worker -1, pid and tid 0), took no time (start_s = end_s = now), and its error says so.
[[nodiscard]] TaskRecord cancelled_task_record(std::string image);

[[nodiscard]] double monotonic_seconds() noexcept;
[[nodiscard]] std::int64_t current_pid() noexcept;
[[nodiscard]] std::int64_t current_tid() noexcept;
[[nodiscard]] int current_cpu() noexcept;

}  // namespace pipeline
