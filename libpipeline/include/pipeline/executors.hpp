#pragma once
// Executors by name, for programs that take the paradigm as text ("sequential", "threads", "processes").

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/executor.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/worker_count.hpp"  // part of choosing an executor: kept here for its users

namespace pipeline {

// The names make_executor() accepts, in the order a comparison runs them.
[[nodiscard]] std::vector<std::string> executor_names();

// Throws std::invalid_argument for an unknown name (listing the valid ones) or workers < 1.
[[nodiscard]] std::unique_ptr<Executor> make_executor(std::string_view name, int workers);
// The same; "processes" gets `process_options` (worker program, libvips settings, retries), the others ignore it.
[[nodiscard]] std::unique_ptr<Executor> make_executor(std::string_view name, int workers,
                                                      const ProcessPoolOptions& process_options);

}  // namespace pipeline
