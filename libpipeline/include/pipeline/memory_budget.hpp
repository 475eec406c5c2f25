#pragma once
// The memory budget of a file run: each job is admitted only when the memory its images will take, estimated from
// its file's header before decoding, fits in what the jobs in progress leave of the budget. Large images wait for
// room instead of running the machine out of memory; an image over the whole budget is refused by name.
// FileJobOptions::memory_budget sets it for Executor::run_files(); `--memory-budget` in the CLI.

#include <cstdint>

#include "pipeline/image_io.hpp"

namespace pipeline {

// A file job's memory at its peak, from its header: the decoded image (twice when decoding needs libvips' own
// copy first, ImageHeader::decoded_twice), then the chain's output and its encoded PNG, each taken as one byte per
// pixel, the built-in filters' 8-bit grey (a chain whose output is larger takes more than this says). The
// process' own baseline (and each worker process') is not counted. Estimates against measured peaks:
// benchmarks/README.md.
[[nodiscard]] std::uint64_t estimate_task_memory(const ImageHeader& header) noexcept;

// The memory this process may use: physical memory, or its control group's limit when lower (cgroup v2
// memory.max, v1 memory.limit_in_bytes).
[[nodiscard]] std::uint64_t usable_memory_bytes();

// The default budget: half of usable_memory_bytes(), leaving the rest to the program's own memory, the workers'
// baselines, the page cache and everything else on the machine.
[[nodiscard]] std::uint64_t default_memory_budget();

}  // namespace pipeline
