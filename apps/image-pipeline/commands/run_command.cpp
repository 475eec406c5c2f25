#include "commands/run_command.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "exit_status.hpp"
#include "io/output_checks.hpp"
#include "io/url_list_input.hpp"
#include "options/memory_budget_option.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/folder_run.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/machine.hpp"
#include "pipeline/paradigm.hpp"
#include "terminal/progress_bar.hpp"

namespace image_pipeline {
namespace {

// The default paradigm: measured fastest for folder runs on this kind of machine (README, "Streaming a folder").
constexpr pipeline::Paradigm default_paradigm = pipeline::Paradigm::threads;

// run's default task timeout: generous, and never below 50 times the median task so far, so that only a worker
// that is stuck (a frozen process, a filter that never returns), not a large image, is killed.
constexpr pipeline::ProcessPoolOptions::TaskTimeout default_task_timeout{.seconds = 60.0, .median_multiple = 50.0};

int logical_cpus() {
  const unsigned cpus = pipeline::describe_machine().logical_cpus;
  return cpus > 0 ? static_cast<int>(cpus) : 1;
}

// No more workers than images (the summary names the count that ran), and a warning when that many would queue
// for the CPUs several times over.
int workers_to_run(const RunCommandOptions& options, std::size_t images) {
  const bool sequential = pipeline::is_sequential(options.executor);
  int requested = options.workers;
  // An executor of its own default (mpi: every worker rank of the job, which need not be on this machine).
  if (!options.workers_given) {
    if (const auto own = pipeline::executor_default_workers(options.executor)) requested = *own;
  }
  const int workers = sequential ? 1 : pipeline::workers_for_tasks(requested, images);
  if (workers < requested && !sequential && images > 0) {  // none: --resume found all up to date
    spdlog::info("--workers {}: {} image(s), so {} worker(s)", requested, images, workers);
  }
  const int cpus = logical_cpus();
  if (pipeline::far_oversubscribed(workers, static_cast<unsigned>(cpus))) {
    spdlog::warn(
        "{} workers on {} logical CPU(s), more than {}x as many: each costs its start-up and memory, and "
        "they take turns on the CPUs",
        workers, cpus, pipeline::far_oversubscription_factor);
  }
  return workers;
}

// What --resume found: how many outputs are up to date, and the existing ones redone because their input is as new.
void log_resume(const pipeline::FolderPlan& plan, const std::vector<pipeline::FileJob>& older) {
  spdlog::info("--resume: {} of {} image(s) up to date in {}, skipped", plan.up_to_date.value_or(0),
               plan.jobs.size() + plan.up_to_date.value_or(0), plan.output.string());
  if (older.empty()) return;
  constexpr std::size_t shown = 5;
  std::string names;
  for (std::size_t i = 0; i < older.size() && i < shown; ++i) {
    names += fmt::format("{}{}", i > 0 ? ", " : "", older[i].output.filename().string());
  }
  if (older.size() > shown) names += fmt::format(" and {} more", older.size() - shown);
  spdlog::info("--resume: {} output(s) not newer than their input, redone: {}", older.size(), names);
}

int run(const RunCommandOptions& options, const StopOnSignal& stop) {
  pipeline::initialize_vips(options.common.vips);
  const pipeline::FilterChain chain = pipeline::parse_filter_chain(options.common.filters);
  const pipeline::OutputFormat output_format = output_format_of(options.common);
  // A list of URLs is downloaded first (with fetch's cache), and its folder is the input.
  const FetchedList fetched = is_url_list(options.input)
                                  ? fetch_url_list(options.input, stop.token(), !options.common.quiet)
                                  : FetchedList{options.input, 0};
  const std::filesystem::path& input = fetched.folder;
  pipeline::FolderPlan plan = pipeline::plan_folder_run(input, options.output, output_format.format);
  if (options.resume) log_resume(plan, pipeline::skip_up_to_date(plan));
  // Before any image is decoded: exit 2 with the OS's reason. Not when resuming finds nothing left to write: that
  // run succeeds, as a build with nothing to rebuild does, even in a folder now read-only.
  if (!plan.jobs.empty() || !options.resume) check_output_folder("OUT_DIR", plan.output);
  const int workers = workers_to_run(options, plan.jobs.size());
  if (const std::string why = pipeline::executor_unavailable(options.executor, workers); !why.empty()) {
    throw CLI::ValidationError("--executor", why);
  }

  pipeline::ProcessPoolOptions pool_options = process_pool_options(options.common, default_task_timeout);
  // Workers start about 25 ms sooner without libvips' modules; only inputs such as HEIF or PDF need them.
  const auto needs_modules = std::find_if(plan.jobs.begin(), plan.jobs.end(), [](const pipeline::FileJob& job) {
    return pipeline::vips_loader_is_module(job.loader);
  });
  pool_options.worker_vips_modules = needs_modules != plan.jobs.end();
  if (options.executor == "processes") {
    if (pool_options.worker_vips_modules) {
      spdlog::debug("worker processes start with libvips' modules: '{}' needs one ({})",
                    needs_modules->input.filename().string(), needs_modules->loader);
    } else {
      spdlog::debug("worker processes start without libvips' modules: no input needs one");
    }
  }
  std::unique_ptr<pipeline::Executor> executor = pipeline::make_executor(options.executor, workers, pool_options);
  spdlog::info("{} image(s) from {} to {}, {} x{}", plan.jobs.size(), options.input, options.output, executor->name(),
               executor->workers());

  ProgressBar bar({.total = plan.jobs.size(), .label = {}, .unit = "images"},
                  ProgressBar::stderr_is_terminal() && !options.common.quiet);
  std::size_t done = 0;
  std::uint64_t pixels = 0;
  pipeline::RunOptions run_options;
  run_options.stop = stop.token();
  run_options.on_task_done = [&](const pipeline::TaskRecord& record) {
    if (record.cancelled) return;  // the bar stops where the run stopped
    ++done;
    pixels += record.pixels;
    bar.update(done, pixels);
  };
  pipeline::FolderRunSummary summary = pipeline::run_folder(
      chain, plan, *executor,
      {.output = output_format, .decode = options.common.decode, .memory_budget = options.memory_budget}, run_options);
  bar.finish();
  // Worker processes count in the peak memory only once they have ended and been reaped: stop them first.
  executor.reset();
  summary.memory = pipeline::peak_memory();

  std::cout << pipeline::format_folder_summary(summary) << std::flush;
  if (stop.signal() != 0) {
    spdlog::error("stopped by a signal: {} image(s) written, {} not started{}", summary.succeeded, summary.cancelled,
                  summary.failures.empty() ? "" : fmt::format(", {} failed (named above)", summary.failures.size()));
    return stop.exit_status();
  }
  if (!summary.failures.empty()) {
    // Counts from the run, not "the others": when every image failed, none was written.
    spdlog::error("{} of {} image(s) written to {}{}; {} failed (named above)", summary.succeeded, summary.images,
                  options.output,
                  summary.up_to_date ? fmt::format(", {} up to date", *summary.up_to_date) : std::string(),
                  summary.failures.size());
    return exit_failures;
  }
  if (fetched.failed > 0) {
    spdlog::error("{} URL(s) of {} could not be fetched (named above); the others were written", fetched.failed,
                  options.input);
    return exit_failures;
  }
  return EXIT_SUCCESS;
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, RunCommandOptions& options) {
  options.executor = pipeline::name_of(default_paradigm);
  options.workers = logical_cpus();
  CommonOptions& common = options.common;
  CLI::App* command = app.add_subcommand("run",
                                         "Streams every image of IN_DIR through the filter chain into OUT_DIR (as PNG, "
                                         "or --format), in parallel, and sums up");
  command
      ->add_option("IN_DIR", options.input,
                   "Folder of images (any format libvips reads; not recursive), or a file listing image URLs, one per "
                   "line, downloaded first into a cache folder of their own (as 'fetch' does)")
      ->required();
  command->add_option("OUT_DIR", options.output, "Folder for the results (created; must not be IN_DIR)")->required();
  command
      ->add_option("-e,--executor", options.executor,
                   "Paradigm: sequential, threads, processes, or mpi under mpirun (one rank per worker, plus one)")
      ->check(CLI::IsMember(pipeline::paradigm_names()))
      ->capture_default_str();
  command->add_flag("--resume", options.resume,
                    "Skip images whose output in OUT_DIR is newer than the image (finishes an interrupted run)");
  command
      ->add_option("-w,--workers", options.workers,
                   "Threads, processes or MPI ranks to run (default: the logical CPUs; mpi: its worker ranks)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str()
      ->each([&options](const std::string&) { options.workers_given = true; });
  add_filters_option(*command, common);
  add_image_format_options(*command, common);
  add_memory_budget_option(*command, options.memory_budget);
  add_vips_options(*command, common);
  add_transport_option(*command, common);
  add_worker_options(*command, common,
                     "Seconds a worker process may take on one image before it is killed and replaced and the image "
                     "retried (0 = none; default: 60, or 50 times the median image so far if more). Process pool only: "
                     "a thread cannot be killed, so a filter that never returns hangs the threads and sequential "
                     "executors; with mpi (60 s by default, no median rule), an image over it aborts the MPI job, "
                     "and --resume finishes the rest",
                     std::nullopt);
  add_log_options(*command, common);
  return command;
}

int run_folder_command(const RunCommandOptions& options, const StopOnSignal& stop) {
  try {
    return run(options, stop);
  } catch (...) {
    return exit_status_of_current_exception("Run 'image-pipeline run --help' for more information.");
  }
}

}  // namespace image_pipeline
