#pragma once
// Threads in this process, on a Boost.Asio thread_pool: one task per image (or file job), handed to the next
// free thread.

#include <memory>
#include <mutex>

#include "pipeline/executor.hpp"
#include "pipeline/paradigm.hpp"

namespace pipeline {

class ThreadPoolExecutor final : public Executor {
 public:
  // Throws std::invalid_argument unless workers >= 1. Starts no thread yet: start() or the first run does.
  explicit ThreadPoolExecutor(int workers);
  // Waits for the pool's threads to end (no run is in progress then: runs return only when their tasks are done).
  ~ThreadPoolExecutor() override;
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  [[nodiscard]] std::string name() const override { return std::string(name_of(Paradigm::threads)); }
  [[nodiscard]] int workers() const override { return workers_; }

  // One pool for the executor's lifetime: start() (or the first run) starts `workers` threads and gives each its
  // worker index, 0..workers-1, which it keeps for every later run; a run on a started pool pays no start-up
  // (BatchResult::ready_s == start_s). Throws std::system_error if a thread cannot be created.
  void start() override;

 protected:
  BatchResult run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                         const RunOptions& options) override;
  // Each job is decoded, filtered and written on a pool thread; the threads take the jobs one at a time from the
  // caller's list, so nothing is queued per job and at most `workers` images are in memory.
  BatchResult run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs, const FileJobOptions& file_options,
                            const RunOptions& options) override;

 private:
  struct Pool;  // the Boost.Asio pool, kept out of this public header
  // Starts the pool unless it is started; true if it started it now.
  bool start_if_needed();
  // The started pool (starting it if needed), with result.start_s / ready_s set around any start-up.
  Pool& started_pool(BatchResult& result);

  int workers_;
  std::mutex start_mutex_;  // start() may race with itself if runs are started from several threads
  std::unique_ptr<Pool> pool_;
};

}  // namespace pipeline
