#include "pipeline/task.hpp"

#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <exception>

namespace pipeline {

double monotonic_seconds() noexcept {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

std::int64_t current_pid() noexcept { return ::getpid(); }
std::int64_t current_tid() noexcept { return ::gettid(); }
int current_cpu() noexcept { return ::sched_getcpu(); }

TaskResult run_task(const FilterChain& chain, const NamedImage& input, int worker) {
  TaskResult result;
  TaskRecord& record = result.record;
  record.image = input.name;
  record.worker = worker;
  record.pid = current_pid();
  record.tid = current_tid();
  record.cpu_start = current_cpu();
  record.start_s = monotonic_seconds();
  try {
    result.output = chain.apply(input.image);
  } catch (const std::exception& error) {
    record.error = error.what();
    if (record.error.empty()) record.error = "filter failed with an empty message";
  } catch (...) {
    record.error = "filter failed with an unknown exception";
  }
  record.end_s = monotonic_seconds();
  record.cpu_end = current_cpu();
  return result;
}

}  // namespace pipeline
