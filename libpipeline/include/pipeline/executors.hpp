#pragma once
// Executors by name, for programs that take the paradigm as text ("sequential", "threads", "processes").

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/executor.hpp"
#include "pipeline/process_pool_executor.hpp"

namespace pipeline {

// The names make_executor() accepts, in the order a comparison runs them.
[[nodiscard]] std::vector<std::string> executor_names();

// Throws std::invalid_argument for an unknown name (listing the valid ones) or workers < 1.
[[nodiscard]] std::unique_ptr<Executor> make_executor(std::string_view name, int workers);
// The same; "processes" gets `process_options` (worker program, libvips settings, retries), the others ignore it.
[[nodiscard]] std::unique_ptr<Executor> make_executor(std::string_view name, int workers,
                                                      const ProcessPoolOptions& process_options);

// The workers worth starting for `tasks` tasks: `requested`, but no more than the tasks (a worker without a task
// would only cost its start-up: a process pool's is about 0.1 s a worker), and at least 1.
[[nodiscard]] int workers_for_tasks(int requested, std::size_t tasks) noexcept;

// Workers beyond this many per logical CPU queue for the CPUs several times over: worth a warning.
inline constexpr unsigned far_oversubscription_factor = 4;
// Whether `workers` exceed far_oversubscription_factor x `logical_cpus` (false when the CPUs are unknown, 0).
[[nodiscard]] bool far_oversubscribed(int workers, unsigned logical_cpus) noexcept;

}  // namespace pipeline
