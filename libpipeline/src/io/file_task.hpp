#pragma once
// Private to the library: run_file_task (pipeline/file_job.hpp) with its output left unflushed, for executors that
// flush and rename outputs on a thread of their own (output_committer.hpp).

#include "io/unflushed_output.hpp"
#include "pipeline/file_job.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/task.hpp"

namespace pipeline::detail {

struct UnflushedFileTask {
  TaskRecord record;
  UnflushedOutput output;  // empty when the task failed

  // Commits the output here and now, a failure into the record, which then ends after the flush: run_file_task's
  // whole task.
  [[nodiscard]] TaskRecord committed() &&;
};

// As run_file_task, but the output is in its temporary file only until it is committed. The record's "encode"
// stage covers the writing, not the flush.
[[nodiscard]] UnflushedFileTask run_unflushed_file_task(const FilterChain& chain, const FileJob& job,
                                                        const FileJobOptions& options, int worker, bool profile_stages);

}  // namespace pipeline::detail
