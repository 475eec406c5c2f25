#pragma once
// Private to the library: a run's task records grouped by worker, the one lane model behind the terminal
// timeline and the HTML Gantt, so that both count busy time and OS ids the same way.

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "pipeline/executor.hpp"

namespace pipeline::detail {

struct WorkerLane {
  std::vector<std::size_t> tasks;                          // indices into batch.tasks, in input order
  std::set<std::pair<std::int64_t, std::int64_t>> os_ids;  // (pid, tid) seen running its tasks
  double busy_s = 0.0;                                     // its tasks' time, summed
};

struct WorkerLanes {
  std::map<int, WorkerLane> lanes;     // by worker index
  std::vector<std::size_t> never_ran;  // tasks that reached no worker (pid 0): nothing to place on a lane
  double last_end_s = 0.0;             // the later of the batch's end and its last task's end
};

// With `every_worker`, each of batch.workers has a lane even without a task (the Gantt shows idle workers);
// without, only workers that ran a task have one.
[[nodiscard]] WorkerLanes worker_lanes(const BatchResult& batch, bool every_worker);

}  // namespace pipeline::detail
