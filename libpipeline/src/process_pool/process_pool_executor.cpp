#include "pipeline/process_pool_executor.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <system_error>

#include <spdlog/spdlog.h>

#include "process_pool/find_worker_program.hpp"
#include "process_pool/job_source.hpp"
#include "process_pool/pool.hpp"
#include "worker_guard.hpp"

namespace pipeline {
namespace {

// Idle workers exit as soon as their stdin closes; one that does not within this is killed.
constexpr std::chrono::milliseconds shutdown_grace{5000};

// A dead worker must show up as EPIPE on the write, not kill this process. A handler the program installed
// itself is left alone.
void ignore_sigpipe() {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

ProcessPoolExecutor::ProcessPoolExecutor(int workers, ProcessPoolOptions options)
    : workers_(workers), options_(std::move(options)), pool_(std::make_unique<detail::PoolState>()) {
  detail::exit_if_unserved_worker();  // a worker that runs main instead of serving would start a pool of its own
  if (workers < 1) throw std::invalid_argument("ProcessPoolExecutor needs at least 1 worker");
  if (options_.max_retries < 0) throw std::invalid_argument("ProcessPoolOptions::max_retries must be >= 0");
  if (options_.max_frame_bytes < wire::header_bytes) {
    throw std::invalid_argument("ProcessPoolOptions::max_frame_bytes is too small");
  }
  const auto finite_not_negative = [](double value) { return std::isfinite(value) && value >= 0.0; };
  if (!finite_not_negative(options_.task_timeout.seconds) ||
      !finite_not_negative(options_.task_timeout.median_multiple)) {
    throw std::invalid_argument("ProcessPoolOptions::task_timeout must be finite and not negative");
  }
  if (!finite_not_negative(options_.start_timeout_seconds) || options_.start_timeout_seconds == 0.0) {
    throw std::invalid_argument("ProcessPoolOptions::start_timeout_seconds must be positive and finite");
  }
}

ProcessPoolExecutor::~ProcessPoolExecutor() { stop(); }

void ProcessPoolExecutor::stop() noexcept { detail::stop_pool(*pool_, shutdown_grace); }

std::vector<std::int64_t> ProcessPoolExecutor::worker_pids() const {
  std::vector<std::int64_t> pids(static_cast<std::size_t>(workers_), 0);
  for (std::size_t i = 0; i < pool_->slots.size() && i < pids.size(); ++i) {
    if (pool_->slots[i]) pids[i] = pool_->slots[i]->process->pid();
  }
  return pids;
}

// Where the workers come from, once per start or run (the installed-package test looks for it).
std::filesystem::path ProcessPoolExecutor::worker_program() const {
  std::filesystem::path program = find_worker_program(options_.worker_program);
  spdlog::debug("process pool: {} worker(s) of {}, transport {}", workers_, program.string(),
                to_string(options_.transport));
  ignore_sigpipe();
  return program;
}

void ProcessPoolExecutor::start() {
  const std::filesystem::path program = worker_program();
  detail::start_pool(*pool_, options_, program, workers_);
}

BatchResult ProcessPoolExecutor::run_jobs(const FilterChain& chain, detail::JobSource& jobs,
                                          const RunOptions& options) {
  BatchResult result;
  result.transport = std::string(to_string(options_.transport));
  result.tasks.resize(jobs.count());
  const std::filesystem::path program = worker_program();
  if (jobs.count() > 0) {
    const int used = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(workers_), jobs.count()));
    detail::run_pool(*pool_, options_, program, used, {chain, options, jobs, result});
  }
  return result;
}

BatchResult ProcessPoolExecutor::run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                                            const RunOptions& options) {
  detail::ImageJobs jobs(batch, options_);
  return run_jobs(chain, jobs, options);
}

BatchResult ProcessPoolExecutor::run_file_jobs(const FilterChain& chain, std::span<const FileJob> file_jobs,
                                               const FileJobOptions& file_options, const RunOptions& options) {
  detail::FileJobs jobs(file_jobs, file_options);
  return run_jobs(chain, jobs, options);
}

}  // namespace pipeline
