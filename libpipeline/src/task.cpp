#include "pipeline/task.hpp"

#include <sched.h>
#include <unistd.h>

#include <exception>

#include "task_recording.hpp"

namespace pipeline {

std::int64_t current_pid() noexcept { return ::getpid(); }
std::int64_t current_tid() noexcept { return ::gettid(); }
int current_cpu() noexcept { return ::sched_getcpu(); }

const std::string& current_host() {
  static const std::string host = [] {
    char name[256] = {};
    return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
  }();
  return host;
}

TaskRecord started_task_record(std::string image, int worker) {
  TaskRecord record;
  record.image = std::move(image);
  record.worker = worker;
  record.host = current_host();
  record.pid = current_pid();
  record.tid = current_tid();
  record.cpu_start = current_cpu();
  record.start_s = monotonic_seconds();
  return record;
}

void end_task_record(TaskRecord& record) noexcept {
  record.end_s = monotonic_seconds();
  record.cpu_end = current_cpu();
}

std::string current_exception_reason() {
  try {
    throw;
  } catch (const std::exception& error) {
    return *error.what() != '\0' ? error.what() : "failed with an empty message";
  } catch (...) {
    return "failed with an unknown exception";
  }
}

TaskRecord cancelled_task_record(std::string image) {
  TaskRecord record;
  record.image = std::move(image);
  record.worker = -1;
  record.start_s = record.end_s = monotonic_seconds();
  record.cancelled = true;
  record.error = "cancelled: the run was stopped before this image started";
  return record;
}

TaskResult run_task(const FilterChain& chain, const NamedImage& input, int worker, bool profile_stages) {
  Image none;
  return run_task_into(chain, input, none, worker, profile_stages);
}

TaskResult run_task_into(const FilterChain& chain, const NamedImage& input, Image& into, int worker,
                         bool profile_stages) {
  TaskResult result;
  TaskRecord& record = result.record;
  record = started_task_record(input.name, worker);
  record.pixels = input.image.pixel_count();
  try {
    if (into.empty()) {
      result.output = profile_stages ? chain.apply_profiled(input.image, record.stages) : chain.apply(input.image);
    } else {
      result.output = chain.apply_into(input.image, into, profile_stages ? &record.stages : nullptr);
    }
  } catch (...) {
    record.error = current_exception_reason();
    result.output = Image();
  }
  end_task_record(record);
  return result;
}

}  // namespace pipeline
