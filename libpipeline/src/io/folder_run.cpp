#include "pipeline/folder_run.hpp"

#include <sys/resource.h>

#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "pipeline/dataset.hpp"
#include "pipeline/memory_budget.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/output_folder.hpp"

namespace pipeline {
namespace {

// ru_maxrss is in kilobytes (KiB) on Linux.
double kib_to_mb(long kib) { return static_cast<double>(kib) * 1024.0 / 1e6; }

// libvips' messages span several lines; a summary keeps one line per failure.
std::string one_line(const std::string& text) {
  std::string line;
  for (const char c : text) {
    if (c == '\n' || c == '\r') {
      if (!line.empty() && line.back() != ' ') line += "; ";
    } else {
      line += c;
    }
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == ';')) line.pop_back();
  return line;
}

std::string percent_of(double part, double whole) {
  return whole > 0.0 ? fmt::format(" ({:.0f}%)", 100.0 * part / whole) : "";
}

}  // namespace

FolderPlan plan_folder_run(const std::filesystem::path& input, const std::filesystem::path& output,
                           ImageFormat format) {
  ImageFileListing listing = list_image_files(input);  // first: a missing input is the error to report
  std::error_code error;
  if (std::filesystem::exists(output, error) && std::filesystem::equivalent(input, output, error)) {
    throw DatasetError(
        fmt::format("the output folder '{}' is the input folder: choose another one, so outputs "
                    "never replace or mix with the inputs",
                    output.string()));
  }
  std::filesystem::create_directories(output, error);
  if (error || !std::filesystem::is_directory(output)) {
    throw DatasetError(fmt::format("cannot create output folder '{}': {}", output.string(),
                                   error ? error.message() : "a file of that name exists"));
  }

  FolderPlan plan;
  plan.input = input;
  plan.output = output;
  plan.format = format;
  plan.skipped = std::move(listing.skipped);
  std::vector<std::string> names;
  names.reserve(listing.images.size());
  for (const auto& file : listing.images) names.push_back(file.filename().string());
  const std::vector<std::string> outputs = output_file_names(names, format);
  plan.jobs.reserve(listing.images.size());
  for (std::size_t i = 0; i < listing.images.size(); ++i)
    plan.jobs.push_back({std::move(listing.images[i]), output / outputs[i], std::move(listing.loaders[i])});
  return plan;
}

OutputState output_state(const FileJob& job) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(job.output, error)) return OutputState::missing;
  const auto output_time = std::filesystem::last_write_time(job.output, error);
  if (error) return OutputState::missing;  // gone since, or not stat-able: write it as if it were not there
  const auto input_time = std::filesystem::last_write_time(job.input, error);
  if (error) return OutputState::older;
  return output_time > input_time ? OutputState::up_to_date : OutputState::older;
}

std::vector<FileJob> skip_up_to_date(FolderPlan& plan) {
  std::vector<FileJob> kept;
  std::vector<FileJob> older;
  std::size_t up_to_date = 0;
  for (FileJob& job : plan.jobs) {
    switch (output_state(job)) {
      case OutputState::up_to_date: ++up_to_date; continue;
      case OutputState::older: older.push_back(job); break;
      case OutputState::missing: break;
    }
    kept.push_back(std::move(job));
  }
  plan.jobs = std::move(kept);
  plan.up_to_date = plan.up_to_date.value_or(0) + up_to_date;
  return older;
}

PeakMemory peak_memory() {
  PeakMemory memory;
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) memory.self_mb = kib_to_mb(usage.ru_maxrss);
  if (::getrusage(RUSAGE_CHILDREN, &usage) == 0) memory.largest_child_mb = kib_to_mb(usage.ru_maxrss);
  return memory;
}

FolderRunSummary summarize_folder_run(const FolderPlan& plan, const BatchResult& result) {
  FolderRunSummary summary;
  summary.input = plan.input;
  summary.output = plan.output;
  summary.executor = result.executor;
  summary.workers = result.workers;
  summary.up_to_date = plan.up_to_date;
  summary.images = result.tasks.size() + plan.up_to_date.value_or(0);
  summary.skipped = plan.skipped;
  summary.seconds = result.seconds();
  summary.startup_seconds = result.startup_seconds();
  std::uint64_t pixels = 0;
  for (const TaskResult& task : result.tasks) {
    const TaskRecord& record = task.record;
    for (const StageTiming& stage : record.stages) {
      if (stage.name == "decode") {
        summary.stages.decode += stage.seconds();
      } else if (stage.name == "encode") {
        summary.stages.encode += stage.seconds();
      } else {
        summary.stages.filters += stage.seconds();  // "filters", or each filter's own name when profiled
      }
    }
    if (record.ok()) {
      ++summary.succeeded;
      pixels += record.pixels;
      if (!record.warnings.empty()) summary.warnings.push_back({record.image, record.warnings});
    } else if (record.cancelled) {
      ++summary.cancelled;
    } else {
      summary.failures.push_back({record.image, record.error});
    }
  }
  summary.megapixels = static_cast<double>(pixels) / 1e6;
  summary.memory = peak_memory();
  return summary;
}

FolderRunSummary run_folder(const FilterChain& chain, const FolderPlan& plan, Executor& executor,
                            const FileJobOptions& file_options, const RunOptions& options) {
  if (file_options.output.format != plan.format) {
    throw std::invalid_argument(fmt::format("the plan named its outputs for {}, but they would be written as {}",
                                            to_string(plan.format), to_string(file_options.output.format)));
  }
  FolderRunSummary summary = summarize_folder_run(plan, executor.run_files(chain, plan.jobs, file_options, options));
  summary.output_format = file_options.output;
  summary.memory_budget = file_options.memory_budget ? *file_options.memory_budget : default_memory_budget();
  return summary;
}

std::string format_folder_summary(const FolderRunSummary& summary) {
  std::string text = fmt::format("{} -> {}: {} x{}, written as {}\n", summary.input.string(), summary.output.string(),
                                 summary.executor, summary.workers, describe(summary.output_format));
  text += fmt::format("Images:      {} found, ", summary.images);
  if (summary.up_to_date) text += fmt::format("{} up to date (skipped), ", *summary.up_to_date);
  text += fmt::format("{} written, {} failed", summary.succeeded, summary.failures.size());
  if (summary.cancelled > 0) text += fmt::format(", {} not started (the run was stopped)", summary.cancelled);
  if (!summary.skipped.empty()) {
    constexpr std::size_t shown = 5;
    std::string names;
    for (std::size_t i = 0; i < summary.skipped.size() && i < shown; ++i) {
      names += fmt::format("{}{} ({})", i > 0 ? ", " : "", summary.skipped[i].name, summary.skipped[i].why);
    }
    if (summary.skipped.size() > shown) names += fmt::format(" and {} more", summary.skipped.size() - shown);
    text += fmt::format("; {} other entr{} skipped: {}", summary.skipped.size(),
                        summary.skipped.size() == 1 ? "y" : "ies", names);
  }
  text += '\n';
  // Durations in ms below a second (format_duration): a small folder's run takes a few, which "0.00 s" would hide.
  text += fmt::format("Throughput:  {:.1f} MP in {} = {:.1f} MP/s", summary.megapixels,
                      format_duration(summary.seconds), summary.megapixels_per_second());
  // Threads start in well under a millisecond; worker processes take long enough to be worth a mention.
  if (summary.startup_seconds >= 0.001) {
    text += fmt::format(" (starting the workers: {})", format_duration(summary.startup_seconds));
  }
  text += '\n';
  const StageSeconds& stages = summary.stages;
  const double staged = stages.decode + stages.filters + stages.encode;
  text += fmt::format("Stages:      decode {}{}, filters {}{}, encode {}{} (summed over all tasks)\n",
                      format_duration(stages.decode), percent_of(stages.decode, staged),
                      format_duration(stages.filters), percent_of(stages.filters, staged),
                      format_duration(stages.encode), percent_of(stages.encode, staged));
  text += fmt::format("Peak memory: {:.1f} MB this process (max RSS)", summary.memory.self_mb);
  if (summary.memory.largest_child_mb > 0.0) {
    text += fmt::format(", {:.1f} MB the largest worker process (max RSS)", summary.memory.largest_child_mb);
  }
  if (summary.memory_budget > 0) {
    text += fmt::format("; budget for the images in progress {}", format_bytes(summary.memory_budget));
  }
  text += '\n';
  if (!summary.warnings.empty()) {
    text += "Decoded with warnings (written all the same):\n";
    for (const auto& warning : summary.warnings)
      text += fmt::format("  {}: {}\n", warning.file, one_line(warning.reason));
  }
  if (!summary.failures.empty()) {
    text += "Failed:\n";
    for (const auto& failure : summary.failures)
      text += fmt::format("  {}: {}\n", failure.file, one_line(failure.reason));
  }
  return text;
}

}  // namespace pipeline
