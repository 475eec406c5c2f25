#include "pipeline/sequential_executor.hpp"

#include "io/memory_admission.hpp"
#include "pipeline/vips.hpp"
#include "task_recording.hpp"
#include "worker_guard.hpp"

namespace pipeline {
namespace {

// Every task in the calling thread, in order; `run_one(i)` makes task i's result and `name_of(i)` names it. Images
// and file jobs differ in those alone.
template <typename RunOne, typename NameOf>
BatchResult run_in_order(std::size_t count, const RunOptions& options, RunOne run_one, NameOf name_of) {
  BatchResult result;
  result.tasks.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (options.stop.stop_requested()) {
      result.tasks.push_back(TaskResult{Image(), cancelled_task_record(name_of(i))});
    } else {
      result.tasks.push_back(run_one(i));
    }
    if (options.on_task_done) options.on_task_done(result.tasks.back().record);
  }
  return result;
}

}  // namespace

BatchResult SequentialExecutor::run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                                           const RunOptions& options) {
  detail::exit_if_unserved_worker();  // worker_guard.hpp
  return run_in_order(
      batch.size(), options, [&](std::size_t i) { return run_task(chain, batch[i], 0, options.profile_stages); },
      [&](std::size_t i) { return batch[i].name; });
}

BatchResult SequentialExecutor::run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs,
                                              const FileJobOptions& file_options, const RunOptions& options) {
  detail::exit_if_unserved_worker();
  ensure_vips_initialized();  // each task decodes with libvips (task.cpp)
  // One job at a time never waits for memory, but one over the whole budget is refused all the same.
  detail::MemoryAdmission admission(file_options);
  return run_in_order(
      jobs.size(), options,
      [&](std::size_t i) {
        // Flushed here, not on a thread of its own: this paradigm is one thread.
        return TaskResult{Image(), detail::run_admitted_file_task(admission, chain, jobs[i], file_options, 0,
                                                                  options.profile_stages, options.stop)
                                       .committed()};
      },
      [&](std::size_t i) { return jobs[i].input.filename().string(); });
}

}  // namespace pipeline
