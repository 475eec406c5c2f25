#include "pipeline/executors.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pipeline/paradigm.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"

namespace pipeline {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, ExecutorRegistration, std::less<>> executors;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

std::optional<ExecutorRegistration> registered(std::string_view name) {
  Registry& r = registry();
  const std::scoped_lock lock(r.mutex);
  const auto found = r.executors.find(name);
  if (found == r.executors.end()) return std::nullopt;
  return found->second;
}

bool built_in(std::string_view name) {
  const auto paradigm = paradigm_named(name);
  return paradigm && *paradigm != Paradigm::mpi;
}

std::string unknown_executor(std::string_view name) {
  if (paradigm_named(name) == Paradigm::mpi) {
    return "the mpi executor is not in this program: it needs the pipeline::mpi component (a build with "
           "PIPELINE_WITH_MPI) and pipeline::maybe_serve_mpi_rank() called at the top of main";
  }
  return fmt::format("unknown executor '{}'; valid executors: {}", name, fmt::join(executor_names(), ", "));
}

}  // namespace

std::vector<std::string> executor_names() {
  std::vector<std::string> names;
  for (const std::string& name : paradigm_names()) {
    if (built_in(name)) names.push_back(name);
  }
  Registry& r = registry();
  const std::scoped_lock lock(r.mutex);
  // Registered paradigms (mpi) in the paradigms' order, then any other name.
  for (const std::string& name : paradigm_names()) {
    if (!built_in(name) && r.executors.contains(name)) names.push_back(name);
  }
  for (const auto& [name, registration] : r.executors) {
    if (!paradigm_named(name)) names.push_back(name);
  }
  return names;
}

void register_executor(std::string name, ExecutorRegistration registration) {
  if (built_in(name)) throw std::invalid_argument(fmt::format("'{}' is a built-in executor", name));
  if (!registration.make) throw std::invalid_argument(fmt::format("executor '{}': no make function", name));
  Registry& r = registry();
  const std::scoped_lock lock(r.mutex);
  r.executors.insert_or_assign(std::move(name), std::move(registration));
}

std::string executor_unavailable(std::string_view name, int workers) {
  if (built_in(name)) return {};
  const auto registration = registered(name);
  if (!registration) return unknown_executor(name);
  return registration->unavailable ? registration->unavailable(workers) : std::string();
}

std::optional<int> executor_default_workers(std::string_view name) {
  if (built_in(name)) return std::nullopt;
  const auto registration = registered(name);
  if (!registration || !registration->default_workers) return std::nullopt;
  return registration->default_workers();
}

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
      case Paradigm::mpi: break;  // registered by its component
    }
  }
  const auto registration = registered(name);
  if (!registration) throw std::invalid_argument(unknown_executor(name));
  return registration->make(workers, process_options);
}

}  // namespace pipeline
