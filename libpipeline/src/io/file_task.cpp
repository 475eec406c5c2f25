#include <utility>

#include "pipeline/file_job.hpp"
#include "pipeline/image_io.hpp"
#include "task_recording.hpp"

namespace pipeline {

TaskRecord run_file_task(const FilterChain& chain, const FileJob& job, const FileJobOptions& options, int worker,
                         bool profile_stages) {
  TaskRecord record = started_task_record(job.input.filename().string(), worker);
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
  } catch (const ImageIoError& error) {
    record.error = error.reason();  // the record names the file already
  } catch (...) {
    record.error = current_exception_reason();
  }
  end_task_record(record);
  return record;
}

}  // namespace pipeline
