#pragma once
// How many workers are worth starting: the same rules for every executor and for the comparison.

#include <cstddef>

namespace pipeline {

// The workers worth starting for `tasks` tasks: `requested`, but no more than the tasks (a worker without a task
// would only cost its start-up, a process for a process pool), and at least 1.
[[nodiscard]] int workers_for_tasks(int requested, std::size_t tasks) noexcept;

// Workers beyond this many per logical CPU queue for the CPUs several times over: worth a warning.
inline constexpr unsigned far_oversubscription_factor = 4;
// Whether `workers` exceed far_oversubscription_factor x `logical_cpus` (false when the CPUs are unknown, 0).
[[nodiscard]] bool far_oversubscribed(int workers, unsigned logical_cpus) noexcept;

}  // namespace pipeline
