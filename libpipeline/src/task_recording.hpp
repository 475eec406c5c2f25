#pragma once
// How every executor fills a TaskRecord: where the task ran (process, OS thread, core), when, and why it failed.
// Private to the library: users get records from executors, never make them.

#include <cstdint>
#include <string>

#include "pipeline/filter.hpp"
#include "pipeline/image.hpp"
#include "pipeline/task.hpp"

namespace pipeline {

[[nodiscard]] std::int64_t current_pid() noexcept;
[[nodiscard]] std::int64_t current_tid() noexcept;
[[nodiscard]] int current_cpu() noexcept;
// This machine's name (gethostname), read once.
[[nodiscard]] const std::string& current_host();

// A record of `image` on `worker` started now, in this process and thread, on this core.
[[nodiscard]] TaskRecord started_task_record(std::string image, int worker);
// Marks `record` ended now, on this core.
void end_task_record(TaskRecord& record) noexcept;

// Called in a catch block: the exception's message, or what stands for it when there is none.
[[nodiscard]] std::string current_exception_reason();

// The record of a task that never started because its run was stopped (RunOptions::stop in executor.hpp): it ran
// nowhere (worker -1, pid and tid 0), took no time (start_s = end_s = now), and its error says so.
[[nodiscard]] TaskRecord cancelled_task_record(std::string image);

// run_task, the output written into `into` when it has the output's geometry (FilterChain::apply_into): then the
// result's output is empty and `into` holds it. Used where the output must land in given memory.
[[nodiscard]] TaskResult run_task_into(const FilterChain& chain, const NamedImage& input, Image& into, int worker,
                                       bool profile_stages = false);

}  // namespace pipeline
