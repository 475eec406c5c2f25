#include "pipeline/task.hpp"

#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <exception>

#include "pipeline/image_io.hpp"

namespace pipeline {

double monotonic_seconds() noexcept {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

std::int64_t current_pid() noexcept { return ::getpid(); }
std::int64_t current_tid() noexcept { return ::gettid(); }
int current_cpu() noexcept { return ::sched_getcpu(); }

TaskRecord cancelled_task_record(std::string image) {
  TaskRecord record;
  record.image = std::move(image);
  record.worker = -1;
  record.start_s = record.end_s = monotonic_seconds();
  record.cancelled = true;
  record.error = "cancelled: the run was stopped before this image started";
  return record;
}

namespace {

std::string describe_exception() {
  try {
    throw;
  } catch (const ImageIoError& error) {
    return error.reason();  // the record names the file already
  } catch (const std::exception& error) {
    return *error.what() != '\0' ? error.what() : "failed with an empty message";
  } catch (...) {
    return "failed with an unknown exception";
  }
}

}  // namespace

TaskResult run_task(const FilterChain& chain, const NamedImage& input, int worker, bool profile_stages) {
  Image none;
  return run_task_into(chain, input, none, worker, profile_stages);
}

TaskResult run_task_into(const FilterChain& chain, const NamedImage& input, Image& into, int worker, bool profile_stages) {
  TaskResult result;
  TaskRecord& record = result.record;
  record.image = input.name;
  record.worker = worker;
  record.pid = current_pid();
  record.tid = current_tid();
  record.cpu_start = current_cpu();
  record.pixels = input.image.pixel_count();
  record.start_s = monotonic_seconds();
  try {
    if (into.empty()) {
      result.output = profile_stages ? chain.apply_profiled(input.image, record.stages) : chain.apply(input.image);
    } else {
      result.output = chain.apply_into(input.image, into, profile_stages ? &record.stages : nullptr);
    }
  } catch (...) {
    record.error = describe_exception();
    result.output = Image();
  }
  record.end_s = monotonic_seconds();
  record.cpu_end = current_cpu();
  return result;
}

TaskRecord run_file_task(const FilterChain& chain, const FileJob& job, const FileJobOptions& options, int worker,
                         bool profile_stages) {
  TaskRecord record;
  record.image = job.input.filename().string();
  record.worker = worker;
  record.pid = current_pid();
  record.tid = current_tid();
  record.cpu_start = current_cpu();
  record.start_s = monotonic_seconds();
  const auto timed = [&record](const char* name, auto&& step) {
    StageTiming stage{name, monotonic_seconds(), 0.0};
    step();
    stage.end_s = monotonic_seconds();
    record.stages.push_back(std::move(stage));
  };
  try {
    Image input;
    timed("decode", [&] { input = decode_image(job.input, options.decode, &record.warnings); });
    record.pixels = input.pixel_count();
    Image output;
    if (profile_stages) {
      output = chain.apply_profiled(input, record.stages);
    } else {
      timed("filters", [&] { output = chain.apply(input); });
    }
    input = Image();  // at most one image held while encoding
    timed("encode", [&] { write_png_atomic(output, job.output, options.png_compression); });
  } catch (...) {
    record.error = describe_exception();
  }
  record.end_s = monotonic_seconds();
  record.cpu_end = current_cpu();
  return record;
}

}  // namespace pipeline
