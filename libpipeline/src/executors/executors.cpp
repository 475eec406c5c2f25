#include "pipeline/executors.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pipeline/paradigm.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"

namespace pipeline {

std::vector<std::string> executor_names() { return paradigm_names(); }

std::unique_ptr<Executor> make_executor(std::string_view name, int workers) {
  return make_executor(name, workers, ProcessPoolOptions{});
}

std::unique_ptr<Executor> make_executor(std::string_view name, int workers, const ProcessPoolOptions& process_options) {
  if (workers < 1) throw std::invalid_argument(fmt::format("worker count must be >= 1, got {}", workers));
  if (const auto paradigm = paradigm_named(name)) {
    switch (*paradigm) {
      case Paradigm::sequential: return std::make_unique<SequentialExecutor>();
      case Paradigm::processes: return std::make_unique<ProcessPoolExecutor>(workers, process_options);
      case Paradigm::threads: return std::make_unique<ThreadPoolExecutor>(workers);
    }
  }
  throw std::invalid_argument(
      fmt::format("unknown executor '{}'; valid executors: {}", name, fmt::join(executor_names(), ", ")));
}

}  // namespace pipeline
