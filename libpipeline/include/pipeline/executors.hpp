#pragma once
// Executors by name, for programs that take the paradigm as text ("sequential", "threads", "processes", and "mpi"
// once the pipeline::mpi component has registered it: mpi_executor.hpp).

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/executor.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/worker_count.hpp"  // part of choosing an executor: kept here for its users

namespace pipeline {

// The names make_executor() accepts, in the order a comparison runs them: the built-in ones, then those registered.
[[nodiscard]] std::vector<std::string> executor_names();

// An executor that lives outside the core library (the mpi executor of pipeline::mpi), made known by name.
struct ExecutorRegistration {
  std::function<std::unique_ptr<Executor>(int workers, const ProcessPoolOptions& options)> make;
  // Why it cannot run `workers` workers in this process as it was started (empty: it can), e.g. "launch with
  // mpirun". Asked before any work, so that a program can refuse at once.
  std::function<std::string(int workers)> unavailable;
  // Its worker count when the user names none (e.g. mpi: every worker rank of the job); empty: the caller's own.
  std::function<int()> default_workers;
};
// Thread-safe; registering a name again replaces it. A built-in name cannot be registered (std::invalid_argument).
void register_executor(std::string name, ExecutorRegistration registration);

// Why make_executor(name, workers) would fail in this process, or empty when it would not.
[[nodiscard]] std::string executor_unavailable(std::string_view name, int workers);

// A registered executor's own default worker count (ExecutorRegistration::default_workers), if it has one.
[[nodiscard]] std::optional<int> executor_default_workers(std::string_view name);

// Throws std::invalid_argument for an unknown name (listing the valid ones) or workers < 1.
[[nodiscard]] std::unique_ptr<Executor> make_executor(std::string_view name, int workers);
// The same; "processes" gets `process_options` (worker program, libvips settings, retries), and so do registered
// executors (mpi: libvips settings, task timeout); the others ignore it.
[[nodiscard]] std::unique_ptr<Executor> make_executor(std::string_view name, int workers,
                                                      const ProcessPoolOptions& process_options);

}  // namespace pipeline
