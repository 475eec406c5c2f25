#pragma once
// The Executor abstraction: runs a filter chain over a batch, one task per image, results in input order.
// Example, of all that follows: examples/executors.cpp.
//
// A failing image yields its error in its record; the other images go on. Executors know nothing of reports.
// A run can be cancelled from another thread (RunOptions::stop): what has started (or been sent to a worker
// process) finishes, nothing else starts.
//
// The same executors stream files: each job is decoded, filtered and written inside a worker, so decoding and
// encoding scale with the workers too, and only the images being worked on are in memory (run_files).
//
// A pool keeps its workers between runs: start() starts them ahead of the first run, so that their start-up can
// be measured apart from the work (run() starts them itself otherwise).

#include <functional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "pipeline/file_job.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/image.hpp"
#include "pipeline/task.hpp"

namespace pipeline {

struct BatchResult {
  std::string executor;  // the executor's name(): a paradigm's name (paradigm.hpp) for the library's own
  int workers = 1;
  std::string transport;  // how images reached the workers: "pipe", "shm" (process pool); empty in-process
  // With "shm": the images that went in place, in shared image memory (shared_image_memory.hpp), their outputs
  // written there too; the others were copied through the worker's segment.
  std::size_t in_place_tasks = 0;
  double start_s = 0.0;  // monotonic seconds around the whole batch (pool start-up included)
  double end_s = 0.0;
  // When every worker was ready for work: the pool's start-up is ready_s - start_s (processes: until each worker
  // has started, initialised libvips and answered the handshake). Equal to start_s for the sequential executor.
  double ready_s = 0.0;
  std::vector<TaskResult> tasks;  // one per input image (or file job), in input order; file jobs have no output

  [[nodiscard]] double seconds() const noexcept { return end_s - start_s; }
  [[nodiscard]] double startup_seconds() const noexcept { return ready_s > start_s ? ready_s - start_s : 0.0; }
  [[nodiscard]] std::size_t failure_count() const noexcept;  // cancelled tasks included
  [[nodiscard]] std::size_t cancelled_count() const noexcept;
};

// The order in which the pools hand out a batch's images: largest (most pixels) first, input order among equals.
// A pool's last images decide how evenly its workers finish; the smallest ones placed last keep the wait of a
// worker that runs dry short (the process pool, which queues an image behind each one in progress, most of all).
// Results stay in input order whatever the order of work.
[[nodiscard]] std::vector<std::size_t> largest_first(std::span<const NamedImage> batch);

// How a run is carried out, beyond the chain and the images.
struct RunOptions {
  // Time every filter on its own (its output materialised) into TaskRecord::stages; off, the chain runs fused.
  bool profile_stages = false;
  // Called once per task as it finishes, e.g. for a progress bar. Executors call it from their own threads but
  // never two calls at once; it must be quick and must not throw.
  std::function<void(const TaskRecord&)> on_task_done;
  // Cancellation. Once a stop is requested no further task starts: the tasks already started finish as usual
  // (their outputs written), and so do those already sent to a worker process (up to two per worker); every other
  // one is reported as cancelled (TaskRecord::cancelled, on_task_done called for it too), and the run returns
  // normally. A pool stays usable for the next run.
  std::stop_token stop;
};

class Executor {
 public:
  virtual ~Executor() = default;
  // The paradigm's name as it appears in reports and on the command line.
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual int workers() const = 0;

  // Starts the workers now if the executor has any to start (a pool), so the first run does not pay for it.
  // Idempotent. Throws like run() when workers cannot start.
  virtual void start() {}

  // Runs `chain` on every image of `batch`. Throws only when the executor itself cannot work (e.g. cannot start
  // its workers); a failing image is reported in its TaskRecord.
  [[nodiscard]] BatchResult run(const FilterChain& chain, std::span<const NamedImage> batch,
                                const RunOptions& options = {});

  // Decodes, filters and writes every job inside the workers, with at most about 2 x workers images in memory.
  // The result's tasks have records only (record.stages: decode, filters, encode). A job that fails (unreadable
  // input, failing filter, unwritable output) is reported in its record and leaves no output file.
  [[nodiscard]] BatchResult run_files(const FilterChain& chain, std::span<const FileJob> jobs,
                                      const FileJobOptions& file_options, const RunOptions& options = {});

 protected:
  // What an executor implements: its tasks, one per image or job in input order. run() and run_files() do the
  // rest for every executor: the result's executor name, workers, start and end (ready_s is the executor's, when
  // its workers were ready; left 0 it means at the start), and the guard around on_task_done (a callback that
  // throws is not called again, the run completes, and run() rethrows its exception after).
  virtual BatchResult run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                                 const RunOptions& options) = 0;
  virtual BatchResult run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs,
                                    const FileJobOptions& file_options, const RunOptions& options) = 0;

 private:
  [[nodiscard]] BatchResult run_framed(const RunOptions& options,
                                       const std::function<BatchResult(const RunOptions&)>& run_tasks);
};

}  // namespace pipeline
