#pragma once
// Worker processes: each image goes to the next free worker process, is filtered there, and comes back.
// Workers are separate programs (fork + exec: libvips is not fork-safe once used), kept between runs; one that
// crashes, breaks the protocol or exceeds the task timeout is replaced and its task retried. With shared image
// memory (shared_image_memory.hpp) images are filtered where they lie. Transports, faults, and what the records
// of a worker's tasks mean (times, bytes, transfer): docs/ARCHITECTURE.md, "The process pool".
// Examples: examples/process_pool.cpp (this program as its own worker), examples/shared_image_memory.cpp.

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
