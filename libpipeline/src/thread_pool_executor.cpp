#include "pipeline/thread_pool_executor.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace pipeline {
namespace {

// Which worker index this OS thread has in the batch `owner`; indices are handed out on a thread's first task.
int worker_index_for(const void* owner, std::atomic<int>& next_index) {
  thread_local const void* current_owner = nullptr;
  thread_local int index = 0;
  if (current_owner != owner) {
    current_owner = owner;
    index = next_index.fetch_add(1);
  }
  return index;
}

}  // namespace

ThreadPoolExecutor::ThreadPoolExecutor(int workers) : workers_(workers) {
  if (workers < 1) throw std::invalid_argument("ThreadPoolExecutor needs at least 1 worker");
}

BatchResult ThreadPoolExecutor::run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                                           const RunOptions& options) {
  BatchResult result;
  result.executor = name();
  result.workers = workers_;
  result.tasks.resize(batch.size());
  std::atomic<int> next_index{0};
  const void* owner = &next_index;  // unique per batch: a reused OS thread must not keep an old index
  std::mutex observer_mutex;         // RunOptions promises one on_task_done call at a time

  result.start_s = monotonic_seconds();
  {
    boost::asio::thread_pool pool(static_cast<std::size_t>(workers_));
    result.ready_s = monotonic_seconds();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      boost::asio::post(pool, [&, i] {
        // Nothing may escape a handler: it would end this thread's run() and strand the batch.
        try {
          result.tasks[i] = run_task(chain, batch[i], worker_index_for(owner, next_index), options.profile_stages);
        } catch (const std::exception& error) {
          result.tasks[i].record.image = batch[i].name;
          result.tasks[i].record.error = error.what();
        } catch (...) {
          result.tasks[i].record.image = batch[i].name;
          result.tasks[i].record.error = "unknown exception in worker thread";
        }
        if (options.on_task_done) {
          const std::lock_guard lock(observer_mutex);
          options.on_task_done(result.tasks[i].record);
        }
      });
    }
    pool.join();
  }
  result.end_s = monotonic_seconds();
  return result;
}

BatchResult ThreadPoolExecutor::run_file_jobs(const FilterChain&, std::span<const FileJob>, const FileJobOptions&,
                                              const RunOptions&) {
  throw std::logic_error("TODO(helper): ThreadPoolExecutor::run_file_jobs");
}

}  // namespace pipeline
