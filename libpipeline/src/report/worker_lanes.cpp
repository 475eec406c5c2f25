#include "report/worker_lanes.hpp"

#include <algorithm>

namespace pipeline::detail {

WorkerLanes worker_lanes(const BatchResult& batch, bool every_worker) {
  WorkerLanes result;
  if (every_worker) {
    for (int w = 0; w < batch.workers; ++w) result.lanes[w];
  }
  result.last_end_s = batch.end_s;
  for (std::size_t t = 0; t < batch.tasks.size(); ++t) {
    const TaskRecord& record = batch.tasks[t].record;
    if (record.pid == 0) {  // never ran (e.g. refused before reaching a worker)
      result.never_ran.push_back(t);
      continue;
    }
    WorkerLane& lane = result.lanes[record.worker];
    lane.tasks.push_back(t);
    lane.os_ids.insert({record.pid, record.tid});
    lane.busy_s += record.seconds();
    result.last_end_s = std::max(result.last_end_s, record.end_s);
  }
  return result;
}

}  // namespace pipeline::detail
