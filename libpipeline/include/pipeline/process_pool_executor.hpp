#pragma once
// Worker processes: each image goes to the next free worker process, is filtered there, and comes back.
// Examples: examples/process_pool.cpp (this program as its own worker), examples/shared_image_memory.cpp
// (image-pipeline-worker, found by itself).
//
// Workers are separate programs (fork + exec, never a bare fork: libvips is not fork-safe once used). They are
// started by start() or by the first run that needs them, kept between runs (each run sends its chain, which a
// worker keeps while it stays the same, and its first tasks right behind it), and stopped by the destructor or stop():
// their stdin closed, a bounded wait, then SIGKILL; every one reaped. A program whose chains use its own filters serves
// as its own worker (worker.hpp, examples/process_pool.cpp).
//
// Transport (ProcessPoolOptions::transport): with Transport::shared_memory (the default), an image in shared image
// memory (shared_image_memory.hpp: turn it on before making the images) goes in place: the worker filters it where
// it lies, into an output image the parent allocated there, and the pipes carry only the frames saying where (the
// library's private wire protocol). Any other image goes through a segment each worker shares with the parent (an
// anonymous memfd it inherits, so nothing is ever left in /dev/shm): the parent copies the samples in and the
// output out. With Transport::pipe the samples themselves go through the worker's stdin and stdout.
// BatchResult::in_place_tasks counts the images that went in place.
//
// Dispatch is dynamic: each worker gets the next image as soon as it returns one (file jobs: up to two queued per
// worker). A run that starts workers sends them work once every one has said hello. A worker that dies (signal,
// exit), breaks the protocol or exceeds the task timeout is logged, replaced, and its task retried up to max_retries
// times; a task that still fails is reported failed in its record and the batch goes on. A worker found dead at the
// start of a run is replaced in that run. A replacement that dies while starting is started again, its tasks
// requeued without counting as attempts, up to a bounded number of failed starts in a row; only when the pool's
// workers never start at all (a program that is no worker) is the run given up at once, with that reason.
// run() sets SIGPIPE to ignored in this process if it was at its default (a dead worker must show as a broken
// pipe, not kill the parent). One run at a time per executor.
//
// Records: pid, tid, cpu_*, start_s, end_s, pixels and stages come from the worker (CLOCK_MONOTONIC is one clock
// for all processes), so [start_s, end_s] is the filtering alone (file jobs: decode, filters and encode). worker
// is the worker slot (0..workers-1; a replacement keeps its slot).
// bytes_sent / bytes_received: over all attempts, every frame of the task (header included) that crossed the
// pipe, plus the samples copied through shared memory (bytes_sent: the input's; bytes_received: the output's),
// plus the segment frame when the task made the segment grow. The frames of a run (chain, ready) and of a session
// (handshake, hello) belong to no task. File jobs move only their frames (paths in, record out).
// transfer_s: the parent's round trip for the successful attempt, from the moment the worker could start it (the
// parent starts sending, or the worker answers the task queued before it) to having the result in hand (samples
// copied out of the segment included), minus the worker's time in [start_s, end_s]: copies and pipe transfer both
// ways, (de)serialisation, and the wake-ups in between.
//
// BatchResult: transport is "pipe" or "shm"; ready_s - start_s is the start-up this run paid: 0 when its workers
// were running already (start() or an earlier run), else until every worker it started was ready for work.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/executor.hpp"
#include "pipeline/paradigm.hpp"
#include "pipeline/process_pool_options.hpp"
#include "pipeline/worker_program.hpp"  // where the package's worker is, noted in every program that links it

namespace pipeline {

namespace detail {
struct PoolState;
class JobSource;
}  // namespace detail

class ProcessPoolExecutor final : public Executor {
 public:
  // Throws std::invalid_argument unless workers >= 1, max_retries >= 0, max_frame_bytes holds a header and the
  // timeouts are finite and not negative (start_timeout_seconds positive).
  explicit ProcessPoolExecutor(int workers, ProcessPoolOptions options = {});
  // Stops the workers (stop()).
  ~ProcessPoolExecutor() override;
  ProcessPoolExecutor(const ProcessPoolExecutor&) = delete;
  ProcessPoolExecutor& operator=(const ProcessPoolExecutor&) = delete;

  [[nodiscard]] std::string name() const override { return std::string(name_of(Paradigm::processes)); }
  [[nodiscard]] int workers() const override { return workers_; }
  [[nodiscard]] const ProcessPoolOptions& options() const noexcept { return options_; }

  // Starts every one of the `workers` processes that is not running, and returns once each has said hello.
  // Throws WorkerProgramNotFound, or std::runtime_error when a worker cannot start or refuses the handshake;
  // every worker is then stopped and reaped.
  void start() override;
  // Closes the workers' stdin, waits up to 5 s for them to exit, kills those that did not, and reaps them all.
  // The next start() or run() starts new ones.
  void stop() noexcept;
  // The PID of the worker in each slot, 0 where there is none (never started, stopped, or found dead and not
  // replaced yet). A worker that died since the last run still shows: runs find that out.
  [[nodiscard]] std::vector<std::int64_t> worker_pids() const;

 protected:
  // Run min(workers, batch size) workers, starting those that are not running. Throw as start() does, and
  // std::runtime_error when a worker refuses the chain (a filter its program does not register) or workers keep
  // dying; the workers are then stopped (the next run starts new ones).
  BatchResult run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                         const RunOptions& options) override;
  BatchResult run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs, const FileJobOptions& file_options,
                            const RunOptions& options) override;

 private:
  BatchResult run_jobs(const FilterChain& chain, detail::JobSource& jobs, const RunOptions& options);
  // The worker program (find_worker_program), with SIGPIPE ignored from now on.
  [[nodiscard]] std::filesystem::path worker_program() const;

  int workers_;
  ProcessPoolOptions options_;
  std::unique_ptr<detail::PoolState> pool_;
};

}  // namespace pipeline
