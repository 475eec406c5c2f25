#include "io/file_task.hpp"

#include <stdexcept>
#include <utility>

#include "io/encoded_task.hpp"
#include "io/output_encoder.hpp"
#include "pipeline/file_job.hpp"
#include "pipeline/image_io.hpp"
#include "task_recording.hpp"

namespace pipeline {
namespace {

// The steps both kinds of file task share: decode, filter, encode, each timed into the record, a failure caught
// into it. `decode()` returns the input image; `encode(output)` writes or keeps the output.
template <typename Decode, typename Encode>
void run_steps(TaskRecord& record, const FilterChain& chain, bool profile_stages, Decode&& decode, Encode&& encode) {
  const auto timed = [&record](const char* name, auto&& step) {
    StageTiming stage{name, monotonic_seconds(), 0.0};
    step();
    stage.end_s = monotonic_seconds();
    record.stages.push_back(std::move(stage));
  };
  try {
    Image input;
    timed("decode", [&] { input = decode(); });
    record.pixels = input.pixel_count();
    Image output;
    if (profile_stages) {
      output = chain.apply_profiled(input, record.stages);
    } else {
      timed("filters", [&] { output = chain.apply(input); });
    }
    input = Image();  // at most one image held while encoding
    timed("encode", [&] { encode(output); });
  } catch (const ImageIoError& error) {
    record.error = error.reason();  // the record names the file already
  } catch (...) {
    record.error = current_exception_reason();
  }
  end_task_record(record);
}

}  // namespace

TaskRecord run_file_task(const FilterChain& chain, const FileJob& job, const FileJobOptions& options, int worker,
                         bool profile_stages) {
  return detail::run_unflushed_file_task(chain, job, options, worker, profile_stages).committed();
}

namespace detail {

TaskRecord UnflushedFileTask::committed() && {
  if (!output.empty()) {
    try {
      output.commit();
    } catch (const ImageIoError& error) {
      record.error = error.reason();
    }
    end_task_record(record);  // the task then spans the flush, as the caller waited for it
  }
  return std::move(record);
}

UnflushedFileTask run_unflushed_file_task(const FilterChain& chain, const FileJob& job, const FileJobOptions& options,
                                          int worker, bool profile_stages) {
  UnflushedFileTask task{started_task_record(job.input.filename().string(), worker), {}};
  run_steps(
      task.record, chain, profile_stages,
      [&] { return decode_image(job.input, options.decode, &task.record.warnings); },
      [&](const Image& output) { task.output = write_image_unflushed(output, job.output, options.output); });
  if (!task.record.ok()) task.output = UnflushedOutput();  // removes what a failure left
  return task;
}

EncodedTaskResult run_encoded_task(const FilterChain& chain, std::string name, std::span<const std::uint8_t> encoded,
                                   const FileJobOptions& options, int worker, bool profile_stages) {
  EncodedTaskResult result{started_task_record(std::move(name), worker), {}};
  run_steps(
      result.record, chain, profile_stages,
      [&] { return decode_image(encoded, options.decode, &result.record.warnings); },
      [&](const Image& output) {
        if (output.empty()) throw std::runtime_error("the chain produced an empty image");
        result.output_file = encode_output(output, options.output);
      });
  if (!result.record.ok()) result.output_file.clear();
  return result;
}

}  // namespace detail
}  // namespace pipeline
