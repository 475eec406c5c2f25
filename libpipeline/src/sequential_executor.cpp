#include "pipeline/sequential_executor.hpp"

namespace pipeline {

BatchResult SequentialExecutor::run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                                           const RunOptions& options) {
  BatchResult result;
  result.executor = name();
  result.workers = 1;
  result.tasks.reserve(batch.size());
  result.start_s = monotonic_seconds();
  result.ready_s = result.start_s;
  for (const NamedImage& image : batch) {
    result.tasks.push_back(run_task(chain, image, 0, options.profile_stages));
    if (options.on_task_done) options.on_task_done(result.tasks.back().record);
  }
  result.end_s = monotonic_seconds();
  return result;
}

BatchResult SequentialExecutor::run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs,
                                              const FileJobOptions& file_options, const RunOptions& options) {
  BatchResult result;
  result.executor = name();
  result.workers = 1;
  result.tasks.reserve(jobs.size());
  result.start_s = monotonic_seconds();
  result.ready_s = result.start_s;
  for (const FileJob& job : jobs) {
    result.tasks.push_back({Image(), run_file_task(chain, job, file_options, 0, options.profile_stages)});
    if (options.on_task_done) options.on_task_done(result.tasks.back().record);
  }
  result.end_s = monotonic_seconds();
  return result;
}

}  // namespace pipeline
