#include "pipeline/thread_pool_executor.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "io/memory_admission.hpp"
#include "io/output_committer.hpp"
#include "pipeline/vips.hpp"
#include "task_recording.hpp"
#include "worker_guard.hpp"

namespace pipeline {
namespace {

// This thread's worker index, given once when its pool starts. A pool thread serves one pool all its life, so the
// index needs no owner; -1 on threads that are no pool's.
thread_local int pool_worker_index = -1;

// Handlers and the thread that posted them share these through a shared_ptr: a handler still returning from its
// last call never touches an object its poster has already destroyed.

// Lets `needed` threads wait for each other, and one more thread wait for all of them.
class Gate {
 public:
  explicit Gate(int needed) : needed_(needed) {}
  // Returns once `needed` threads have arrived (or the gate was opened).
  void arrive_and_wait() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_ || arrived_ >= needed_; });
  }
  void wait_for_all() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return arrived_ >= needed_; });
  }
  // Releases every waiter whether or not all arrived (start-up failed half-way: nobody else will come).
  void open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  bool open_ = false;
  const int needed_;
};

// One run's shared state: the next task to take, the observer's lock, and how many handlers are still going.
struct RunState {
  explicit RunState(std::size_t handlers) : running(handlers) {}
  std::atomic<std::size_t> next{0};
  std::mutex observer_mutex;  // RunOptions promises one on_task_done call at a time
  std::mutex mutex;
  std::condition_variable finished;
  std::size_t running;
};

// Records the task that threw the exception being handled. Must not throw itself (it runs inside a pool thread's
// handler): a message that cannot even be copied for lack of memory is replaced by one short enough to need no
// allocation.
template <typename NameOf>
void record_failure(TaskResult& slot, const NameOf& name_of, std::size_t i) noexcept {
  slot.output = Image();
  try {
    slot.record.image = name_of(i);
    try {
      throw;
    } catch (const std::exception& error) {
      slot.record.error = *error.what() != '\0' ? error.what() : "failed with an empty message";
    } catch (...) {
      slot.record.error = "unknown exception in worker thread";
    }
  } catch (...) {
    slot.record.error = "out of memory";  // within std::string's small-string buffer: cannot throw
  }
}

// Runs task(i, worker) for every i in [0, tasks.size()) on `pool` and returns when all are done, in the order
// `order` gives (input order when it is empty). Each of at most `workers` handlers takes the next task from a
// shared counter until none is left: dynamic balancing as with one handler per task, but nothing is queued per
// task, so a million file jobs cost no more queue than ten.
template <typename Task, typename NameOf>
void run_on_pool(boost::asio::thread_pool& pool, int workers, std::span<TaskResult> tasks,
                 std::span<const std::size_t> order, const RunOptions& options, const Task& task,
                 const NameOf& name_of) {
  if (tasks.empty()) return;
  const std::size_t handlers = std::min(static_cast<std::size_t>(workers), tasks.size());
  const auto state = std::make_shared<RunState>(handlers);
  for (std::size_t h = 0; h < handlers; ++h) {
    boost::asio::post(pool, [state, tasks, order, &options, &task, &name_of] {
      // Nothing may escape a handler: it would end this thread's run() and strand the batch.
      for (std::size_t k = state->next.fetch_add(1); k < tasks.size(); k = state->next.fetch_add(1)) {
        const std::size_t i = order.empty() ? k : order[k];
        try {
          if (options.stop.stop_requested()) {
            tasks[i] = TaskResult{Image(), cancelled_task_record(name_of(i))};
          } else {
            tasks[i] = task(i, pool_worker_index);
          }
        } catch (...) {
          record_failure(tasks[i], name_of, i);
        }
        if (options.on_task_done) {
          const std::lock_guard lock(state->observer_mutex);
          options.on_task_done(tasks[i].record);  // guarded by Executor::run(): it does not throw
        }
      }
      const std::lock_guard lock(state->mutex);
      if (--state->running == 0) state->finished.notify_all();
    });
  }
  std::unique_lock lock(state->mutex);
  state->finished.wait(lock, [&] { return state->running == 0; });
}

}  // namespace

struct ThreadPoolExecutor::Pool {
  explicit Pool(int workers) : threads(static_cast<std::size_t>(workers)) {}
  boost::asio::thread_pool threads;
};

ThreadPoolExecutor::ThreadPoolExecutor(int workers) : workers_(workers) {
  detail::exit_if_unserved_worker();  // worker_guard.hpp
  if (workers < 1) throw std::invalid_argument("ThreadPoolExecutor needs at least 1 worker");
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  // Lets the threads end once their (finished) work is done and waits for them; the pool's own destructor would
  // stop() first, which is also safe here, but join() states the intent: no thread outlives the executor.
  if (pool_) pool_->threads.join();
}

bool ThreadPoolExecutor::start_if_needed() {
  const std::lock_guard lock(start_mutex_);
  if (pool_) return false;
  auto pool = std::make_unique<Pool>(workers_);
  // Each thread takes its index from one of `workers` handlers that wait for each other: waiting, no thread can
  // take a second one, so every thread gets exactly one index, 0..workers-1, and keeps it for the pool's life.
  const auto gate = std::make_shared<Gate>(workers_);
  try {
    for (int index = 0; index < workers_; ++index) {
      boost::asio::post(pool->threads, [gate, index] {
        pool_worker_index = index;
        gate->arrive_and_wait();
      });
    }
  } catch (...) {
    gate->open();  // the handlers already posted must not wait for ones that never will be
    throw;
  }
  gate->wait_for_all();
  pool_ = std::move(pool);
  return true;
}

void ThreadPoolExecutor::start() { (void)start_if_needed(); }

ThreadPoolExecutor::Pool& ThreadPoolExecutor::started_pool(BatchResult& result) {
  if (start_if_needed()) result.ready_s = monotonic_seconds();
  return *pool_;
}

BatchResult ThreadPoolExecutor::run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                                           const RunOptions& options) {
  BatchResult result;
  result.tasks.resize(batch.size());
  const std::vector<std::size_t> order = largest_first(batch);
  Pool& pool = started_pool(result);
  run_on_pool(
      pool.threads, workers_, std::span<TaskResult>(result.tasks), order, options,
      [&](std::size_t i, int worker) { return run_task(chain, batch[i], worker, options.profile_stages); },
      [&](std::size_t i) { return batch[i].name; });
  return result;
}

BatchResult ThreadPoolExecutor::run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs,
                                              const FileJobOptions& file_options, const RunOptions& options) {
  ensure_vips_initialized();  // once, here: the threads decode at once, and the first would pay it inside a task
  detail::MemoryAdmission admission(file_options);
  BatchResult result;
  result.tasks.resize(jobs.size());
  Pool& pool = started_pool(result);
  // The workers go on to their next image while one thread flushes and renames their outputs; a task whose output
  // then fails to commit becomes a failure before the run returns (on_task_done has heard of it as written).
  std::mutex commit_failures_mutex;
  std::vector<std::pair<std::size_t, std::string>> commit_failures;  // the few, not a string per job
  detail::OutputCommitter committer;
  run_on_pool(
      pool.threads, workers_, std::span<TaskResult>(result.tasks), {}, options,
      [&](std::size_t i, int worker) {
        detail::UnflushedFileTask task = detail::run_admitted_file_task(admission, chain, jobs[i], file_options, worker,
                                                                        options.profile_stages, options.stop);
        if (!task.output.empty()) {
          committer.submit(std::move(task.output), [&, i](std::string error) {
            if (error.empty()) return;
            const std::lock_guard lock(commit_failures_mutex);
            commit_failures.emplace_back(i, std::move(error));
          });
        }
        return TaskResult{Image(), std::move(task.record)};
      },
      [&](std::size_t i) { return jobs[i].input.filename().string(); });
  committer.drain();
  for (auto& [i, error] : commit_failures) result.tasks[i].record.error = std::move(error);
  return result;
}

}  // namespace pipeline
