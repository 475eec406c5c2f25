#include "pipeline/sequential_executor.hpp"

namespace pipeline {

BatchResult SequentialExecutor::run(const FilterChain& chain, std::span<const NamedImage> batch) {
  BatchResult result;
  result.executor = name();
  result.workers = 1;
  result.tasks.reserve(batch.size());
  result.start_s = monotonic_seconds();
  result.ready_s = result.start_s;
  for (const NamedImage& image : batch) result.tasks.push_back(run_task(chain, image, 0));
  result.end_s = monotonic_seconds();
  return result;
}

}  // namespace pipeline
