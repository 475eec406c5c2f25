#include "pipeline/executor.hpp"

#include <algorithm>
#include <exception>

namespace pipeline {

BatchResult Executor::run(const FilterChain& chain, std::span<const NamedImage> batch, const RunOptions& options) {
  return run_framed(options, [&](const RunOptions& guarded) { return run_images(chain, batch, guarded); });
}

BatchResult Executor::run_files(const FilterChain& chain, std::span<const FileJob> jobs,
                                const FileJobOptions& file_options, const RunOptions& options) {
  return run_framed(options,
                    [&](const RunOptions& guarded) { return run_file_jobs(chain, jobs, file_options, guarded); });
}

BatchResult Executor::run_framed(const RunOptions& options,
                                 const std::function<BatchResult(const RunOptions&)>& run_tasks) {
  // RunOptions::on_task_done must not throw; one that does is not called again, and the caller hears of it once
  // the run is complete. Executors never make two calls at once, so the error needs no lock.
  std::exception_ptr callback_error;
  RunOptions guarded = options;
  if (options.on_task_done) {
    guarded.on_task_done = [&options, &callback_error](const TaskRecord& record) {
      if (callback_error) return;
      try {
        options.on_task_done(record);
      } catch (...) {
        callback_error = std::current_exception();
      }
    };
  }
  const double start_s = monotonic_seconds();
  BatchResult result = run_tasks(guarded);
  result.end_s = monotonic_seconds();
  result.start_s = start_s;
  result.ready_s = std::max(result.ready_s, start_s);
  result.executor = name();
  result.workers = workers();
  if (callback_error) std::rethrow_exception(callback_error);
  return result;
}

std::size_t BatchResult::failure_count() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(tasks.begin(), tasks.end(), [](const TaskResult& task) { return !task.record.ok(); }));
}

std::vector<std::size_t> largest_first(std::span<const NamedImage> batch) {
  std::vector<std::size_t> order(batch.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [batch](std::size_t a, std::size_t b) {
    return batch[a].image.pixel_count() > batch[b].image.pixel_count();
  });
  return order;
}

std::size_t BatchResult::cancelled_count() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(tasks.begin(), tasks.end(), [](const TaskResult& task) { return task.record.cancelled; }));
}

}  // namespace pipeline
