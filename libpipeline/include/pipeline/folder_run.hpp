#pragma once
// Streaming a folder: every image file of one folder decoded, filtered and written (as PNG, or another
// OutputFormat) into another by any
// executor, with only the images being worked on in memory (Executor::run_files); and what such a run did.
// Example: examples/folder_run.cpp.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/dataset.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/file_failure.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/output_format.hpp"
#include "pipeline/task.hpp"

namespace pipeline {

struct FolderPlan {
  std::filesystem::path input;
  std::filesystem::path output;
  ImageFormat format = ImageFormat::png;  // the outputs' format, which their names' extension says
  // One job per image file of `input`, sorted by name, each writing output / output_file_names()'s name for it
  // ("photo.jpg" -> "photo.png", or the extension of the format planned; inputs sharing a stem keep their
  // extension).
  std::vector<FileJob> jobs;
  std::vector<SkippedFile> skipped;  // entries of `input` that are not images, and why (list_image_files)
  // How many jobs skip_up_to_date() dropped from `jobs`; unset if it was not called, so the summary of a run that
  // does not resume stays as it was.
  std::optional<std::size_t> up_to_date;
};

// Lists the images of `input` as list_image_files() does (without decoding them) and creates `output`.
// Requires initialize_vips(). Throws DatasetError for a missing or unreadable input folder or one with no images,
// an output folder that is the input folder (outputs would mix with the inputs and be taken as inputs next time),
// or an output folder that cannot be created.
// The outputs are named for `format` (output_file_names): run the plan with FileJobOptions::output of that format.
[[nodiscard]] FolderPlan plan_folder_run(const std::filesystem::path& input, const std::filesystem::path& output,
                                         ImageFormat format = ImageFormat::png);

// Where a job's output stands, for resuming a run that stopped part way.
enum class OutputState {
  missing,     // no regular file at job.output (a hidden temporary of a killed run has another name)
  older,       // exists, but was not modified strictly later than the input: the input may have changed since
  up_to_date,  // exists and was modified strictly later than the input
};

// Compares std::filesystem::last_write_time of the output and the input (symlinks followed), with the file
// system's full precision. Equal times count as older: a file system stamps times from a clock coarser than their
// nanoseconds (the kernel's tick, or whole seconds on some), so an input replaced in the tick its output was written
// in shows the same time; redoing that job costs one image, skipping it would keep a stale output. An input that
// cannot be stat'ed counts as older (the job then fails with the reason). Outputs are written atomically, so one that
// exists is whole; the check cannot tell whether it was made with the same chain and options.
[[nodiscard]] OutputState output_state(const FileJob& job);

// Resuming: drops from plan.jobs every job whose output is up_to_date and sets plan.up_to_date to how many. The
// output names come from the whole folder's listing (plan_folder_run), so they are those of the first run as long as
// the input names are the same. Returns the jobs kept whose output exists but is older, to be redone.
std::vector<FileJob> skip_up_to_date(FolderPlan& plan);

// Time spent in each part of the tasks, summed over all tasks: with several workers the sum exceeds the wall time.
struct StageSeconds {
  double decode = 0.0;
  double filters = 0.0;  // the whole chain (every filter, when profiled one by one)
  double encode = 0.0;   // encoding and the atomic write
};

// Peak resident memory (max RSS) in megabytes (10^6 bytes), from getrusage.
struct PeakMemory {
  double self_mb = 0.0;  // this process so far (RUSAGE_SELF): its threads and the images they hold
  // The largest child process that has ended and been waited for (RUSAGE_CHILDREN): a process pool's largest
  // worker once the executor is destroyed (its workers are reaped then); 0 if no child has ended yet.
  double largest_child_mb = 0.0;
};

[[nodiscard]] PeakMemory peak_memory();

struct FolderRunSummary {
  std::filesystem::path input;
  std::filesystem::path output;
  std::string executor;
  int workers = 1;
  std::size_t images = 0;  // image files found (one job each, those up to date included)
  // Resuming: how many were not run, their output being up to date (FolderPlan::up_to_date); unset otherwise.
  std::optional<std::size_t> up_to_date;
  std::size_t succeeded = 0;          // written
  OutputFormat output_format{};       // what they were written as (run_folder's FileJobOptions::output)
  std::vector<FileFailure> failures;  // in input order; cancelled images are not failures
  std::vector<FileFailure> warnings;  // written, but decoding said something (FileJobOptions::decode.fail_on)
  std::size_t cancelled = 0;          // never started: the run was stopped (RunOptions::stop)
  std::vector<SkippedFile> skipped;   // entries that are not images, and why
  double megapixels = 0.0;            // of the images written
  double seconds = 0.0;               // wall time of the whole run, the workers' start-up included
  double startup_seconds = 0.0;       // the part of `seconds` spent starting workers
  StageSeconds stages;
  PeakMemory memory;                // as the run ended
  std::uint64_t memory_budget = 0;  // bytes the images in progress could take together (0: no budget)

  [[nodiscard]] double megapixels_per_second() const noexcept { return seconds > 0.0 ? megapixels / seconds : 0.0; }
};

// What `result` (a run of plan.jobs) did.
[[nodiscard]] FolderRunSummary summarize_folder_run(const FolderPlan& plan, const BatchResult& result);

// Runs every job of `plan` with executor.run_files() and summarises it. A failing image is one of
// summary.failures, never an exception; throws only if the executor itself cannot work (e.g. cannot start), or
// std::invalid_argument if file_options.output is not the format the plan named its outputs for.
[[nodiscard]] FolderRunSummary run_folder(const FilterChain& chain, const FolderPlan& plan, Executor& executor,
                                          const FileJobOptions& file_options = {}, const RunOptions& options = {});

// The summary for people, several lines: the folders, executor and output format, images (found, up to date when
// resuming, written, failed), megapixels,
// seconds, MP/s, the time by stage, peak memory, how many were not started if the run was stopped, each input decoded
// with warnings and each failure by name with its reason (on one line each).
[[nodiscard]] std::string format_folder_summary(const FolderRunSummary& summary);

}  // namespace pipeline
