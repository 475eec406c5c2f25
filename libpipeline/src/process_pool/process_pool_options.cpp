#include "pipeline/process_pool_options.hpp"

#include <system_error>

#include "pipeline/worker.hpp"

namespace pipeline {

ProcessPoolOptions ProcessPoolOptions::self_worker() {
  ProcessPoolOptions options;
  // Resolved now, so the path still names this program's file if /proc/self is read by another process later.
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  options.worker_program = error ? std::filesystem::path("/proc/self/exe") : self;
  options.worker_arguments = {std::string(worker_flag)};
  return options;
}

}  // namespace pipeline
