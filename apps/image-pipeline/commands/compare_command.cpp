#include "commands/compare_command.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "exit_status.hpp"
#include "io/output_checks.hpp"
#include "io/url_list_input.hpp"
#include "pipeline/comparison.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/machine.hpp"
#include "pipeline/output_folder.hpp"
#include "pipeline/report.hpp"
#include "pipeline/shared_image_memory.hpp"
#include "terminal/progress_bar.hpp"
#include "terminal/stop_on_signal.hpp"

namespace image_pipeline {
namespace {

// None: a deadline would distort the times compared.
constexpr pipeline::ProcessPoolOptions::TaskTimeout default_task_timeout{.seconds = 0.0, .median_multiple = 0.0};

// A synthetic size is an input like any other: over the pixel limit, it is refused before anything is made.
std::pair<int, int> parse_size(const std::string& text, const pipeline::DecodeOptions& decode) {
  int width = 0;
  int height = 0;
  char separator = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &width, &separator, &height, &extra) != 3 ||
      (separator != 'x' && separator != 'X') || width < 1 || height < 1) {
    throw CLI::ValidationError("--size",
                               "expected WIDTHxHEIGHT with positive numbers, e.g. 1920x1080, got '" + text + "'");
  }
  const auto pixels = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
  const std::uint64_t limit = pipeline::effective_max_pixels(decode);
  if (pixels > limit) {
    throw CLI::ValidationError(
        "--size", fmt::format("{} is {} pixels, over the limit of {}{}", text, pixels, limit,
                              limit == decode.max_pixels ? " (--max-pixels)" : ", the most one image may hold"));
  }
  return {width, height};
}

// Every report file and the output folder, before any image is loaded: a path that cannot be written fails now
// (exit 2, with the OS's reason), not after the whole comparison.
void check_output_paths(const CompareOptions& options) {
  check_report_paths({{"--json", options.json},
                      {"--csv", options.csv},
                      {"--markdown", options.markdown},
                      {"--trace", options.trace},
                      {"--html", options.html}});
  if (options.output) check_output_folder("--output", *options.output);
  (void)output_format_of(options.common);  // a knob the format lacks is refused now, not after the runs
}

// The worker counts the comparison will run (no more workers than images, repeats dropped: worker_counts_for),
// said when they differ from those asked for, with a warning for counts far beyond the logical CPUs.
std::vector<int> announce_worker_counts(const std::vector<int>& requested, std::size_t images, unsigned cpus) {
  const std::vector<int> counts = pipeline::worker_counts_for(requested, images);
  if (counts != requested) {
    spdlog::info("--workers {}: {} image(s), so running {} (no more workers than images, each count once)",
                 fmt::join(requested, " "), images, fmt::join(counts, " "));
  }
  for (const int workers : counts) {
    if (pipeline::far_oversubscribed(workers, cpus)) {
      spdlog::warn(
          "{} workers on {} logical CPU(s), more than {}x as many: each costs its start-up and memory, and "
          "they take turns on the CPUs",
          workers, cpus, pipeline::far_oversubscription_factor);
    }
  }
  return counts;
}

// Reports are written whole to a temporary file and renamed, like images: never a half-written report.
void write_text_file(const std::filesystem::path& path, const std::string& text) {
  write_text_file_atomically(path, text);
}

int run(const CompareOptions& options) {
  const CommonOptions& common = options.common;
  // An executor this process cannot run (mpi without mpirun, or with too few ranks) is refused before any work.
  for (const std::string& name : options.executors) {
    const int most = *std::max_element(options.workers.begin(), options.workers.end());
    if (const std::string why = pipeline::executor_unavailable(name, most); !why.empty()) {
      throw CLI::ValidationError("--executors", why);
    }
  }
  pipeline::initialize_vips(common.vips);
  const pipeline::FilterChain chain = pipeline::parse_filter_chain(common.filters);
  pipeline::ProcessPoolOptions process_options = process_pool_options(common, default_task_timeout);
  // The comparison's workers are given pixels, never files: libvips' loadable modules would only slow their start.
  process_options.worker_vips_modules = false;
  check_output_paths(options);
  const auto compared = [&](pipeline::Paradigm paradigm) {
    return std::any_of(options.executors.begin(), options.executors.end(),
                       [&](const std::string& name) { return pipeline::paradigm_named(name) == paradigm; });
  };
  if ((compared(pipeline::Paradigm::processes) && process_options.transport == pipeline::Transport::shared_memory) ||
      compared(pipeline::Paradigm::mpi)) {
    // Before any image is made: the process pool, and the MPI ranks on this host, then take images in place, and
    // every executor reads the same memory.
    std::string why;
    if (!pipeline::use_shared_image_memory(pipeline::default_shared_image_capacity, &why)) {
      spdlog::warn("no shared image memory ({}): images are copied to the process pool and the MPI ranks", why);
    }
  }

  pipeline::Batch batch;
  std::string dataset_name;
  std::size_t load_failures = 0;
  if (options.input) {
    // A list of URLs is downloaded first (with fetch's cache), and its folder is the input.
    const FetchedList fetched = is_url_list(*options.input) ? fetch_url_list(*options.input, {}, !common.quiet)
                                                            : FetchedList{*options.input, 0};
    auto folder = pipeline::load_image_folder(fetched.folder, options.num_images, common.decode);
    for (const auto& failure : folder.failures) spdlog::error("cannot read {}: {}", failure.file, failure.reason);
    for (const auto& warning : folder.warnings) {
      spdlog::warn("{}: decoded with warnings (--fail-on {}): {}", warning.file,
                   pipeline::to_string(common.decode.fail_on), warning.reason);
    }
    load_failures = folder.failures.size() + fetched.failed;
    batch = std::move(folder.images);
    dataset_name = fmt::format("folder {}", *options.input);
    if (batch.empty()) {
      spdlog::error("none of the images in '{}' could be read", *options.input);
      return exit_failures;
    }
  } else {
    pipeline::SyntheticOptions synthetic;
    synthetic.count = options.num_images.value_or(20);
    synthetic.seed = options.seed;
    if (options.size) synthetic.size = parse_size(*options.size, common.decode);
    batch = pipeline::synthetic_dataset(synthetic);
    dataset_name = fmt::format("synthetic (seed {})", options.seed);
  }

  const pipeline::RunConditions conditions = pipeline::run_conditions(dataset_name, batch, chain);

  // Ctrl-C from here on stops the comparison after the run in progress (its workers stopped, nothing half
  // written); before, while the dataset loads, it ends the program as usual: there is nothing to finish yet.
  const StopOnSignal stop;
  pipeline::ComparisonPlan plan;
  plan.executors = options.executors;
  plan.worker_counts = announce_worker_counts(options.workers, batch.size(), conditions.machine.logical_cpus);
  plan.warmup = options.warmup;
  plan.repeats = options.repeats;
  plan.run_options.profile_stages = options.profile_filters;
  plan.run_options.stop = stop.token();
  std::size_t write_failures = 0;
  const pipeline::OutputFormat output_format = output_format_of(common);
  const auto write_baseline = [&](const pipeline::BatchResult& baseline) {
    if (!options.output) return;
    const auto failures = pipeline::write_outputs(*options.output, baseline.tasks, output_format);
    for (const auto& failure : failures) spdlog::error("cannot write {}: {}", failure.file, failure.reason);
    write_failures = failures.size();
    // Counted from what was written, so that nothing is claimed for images that failed or could not be written.
    const std::size_t written = baseline.tasks.size() - baseline.failure_count() - write_failures;
    const auto log = written == baseline.tasks.size() ? spdlog::level::info : spdlog::level::warn;
    spdlog::log(log, "wrote {} of {} image(s) to {} ({})", written, baseline.tasks.size(), *options.output,
                pipeline::describe(output_format));
  };
  // Progress at a terminal only: every task of every run (warm-ups included), labelled by configuration. The
  // callback does no more than count unless a redraw is due (at most 10 per second).
  const std::size_t configurations =
      1 + plan.worker_counts.size() * static_cast<std::size_t>(std::count_if(
                                          options.executors.begin(), options.executors.end(),
                                          [](const std::string& name) { return !pipeline::is_sequential(name); }));
  ProgressBar bar({.total = configurations * static_cast<std::size_t>(options.warmup + options.repeats) * batch.size(),
                   .label = {},
                   .unit = "tasks"},
                  ProgressBar::stderr_is_terminal() && !common.quiet);
  std::size_t tasks_done = 0;
  std::uint64_t pixels_done = 0;
  if (bar.enabled()) {
    plan.run_options.on_task_done = [&](const pipeline::TaskRecord& record) {
      if (record.cancelled) return;  // the bar stops where the run stopped
      ++tasks_done;
      pixels_done += record.pixels;
      bar.update(tasks_done, pixels_done);
    };
  }
  std::optional<pipeline::Comparison> finished;
  try {
    finished = pipeline::run_comparison(
        chain, batch, plan,
        [&process_options](const std::string& name, int workers) {
          return pipeline::make_executor(name, workers, process_options);
        },
        [&bar](const std::string& name, int workers) {
          bar.clear();
          spdlog::info("running {} with {} worker(s)", name, workers);
          bar.set_label(fmt::format("{} x{}", name, workers));
        },
        write_baseline);
  } catch (const pipeline::ComparisonStopped& stopped) {
    bar.finish();
    spdlog::error("{}", stopped.what());
    return stop.exit_status();
  }
  bar.finish();
  if (stop.signal() != 0) {  // after the last run ended, before any report: the user asked to stop all the same
    spdlog::error("stopped by a signal after the last run: no report written");
    return stop.exit_status();
  }
  const pipeline::Comparison& comparison = *finished;
  // One analysis, which every format states.
  const auto analysis = pipeline::analyse(comparison, conditions.machine.logical_cpus);
  std::cout << pipeline::format_comparison(comparison, conditions, analysis) << std::flush;
  if (options.json) write_text_file(*options.json, pipeline::comparison_json(comparison, conditions, analysis));
  if (options.csv) write_text_file(*options.csv, pipeline::comparison_csv(comparison, analysis));
  if (options.markdown) {
    write_text_file(*options.markdown, pipeline::comparison_markdown(comparison, conditions, analysis));
  }
  if (options.trace) write_text_file(*options.trace, pipeline::comparison_trace(comparison));
  if (options.html) write_text_file(*options.html, pipeline::comparison_html(comparison, conditions, analysis));

  const bool clean =
      load_failures == 0 && write_failures == 0 && comparison.failed_tasks() == 0 && comparison.all_identical();
  if (!clean) {
    spdlog::error(
        "finished with problems: {} unreadable input(s), {} failed task(s) over all runs, {} unwritten output(s){}",
        load_failures, comparison.failed_tasks(), write_failures,
        comparison.all_identical() ? "" : ", outputs that differ from sequential");
  }
  return clean ? EXIT_SUCCESS : exit_failures;
}

}  // namespace

std::vector<std::string> default_executors() {
  std::vector<std::string> names = pipeline::local_paradigm_names();
  const std::string mpi(pipeline::name_of(pipeline::Paradigm::mpi));
  if (pipeline::executor_unavailable(mpi, 1).empty()) names.push_back(mpi);
  return names;
}

void add_compare_options(CLI::App& app, CompareOptions& options) {
  CommonOptions& common = options.common;
  app.add_option("-i,--input", options.input,
                 "Folder of images (any format libvips reads), or a file listing image URLs, one per line, "
                 "downloaded first into a cache folder of their own (as 'fetch' does); default: built-in synthetic set")
      ->type_name("DIR|URLS_FILE");
  app.add_option("-n,--num-images", options.num_images, "Images to use (default: all of a folder; 20 synthetic)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  app.add_option("-w,--workers", options.workers, "Worker counts to compare")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("-e,--executors", options.executors,
                 "Paradigms to run: sequential,processes,threads, and mpi under mpirun (one rank per worker, plus one)")
      ->delimiter(',')
      ->check(CLI::IsMember(pipeline::paradigm_names()))
      ->capture_default_str();
  add_filters_option(app, common);
  app.add_option("-o,--output", options.output, "Write each result into this folder (as PNG, or --format)")
      ->type_name("DIR");
  app.add_option("--json", options.json, "Write the report as JSON to this file")->type_name("FILE");
  app.add_option("--csv", options.csv, "Write one CSV row per run to this file")->type_name("FILE");
  app.add_option("--markdown", options.markdown, "Write the table and observations as Markdown to this file")
      ->type_name("FILE");
  app.add_option("--trace", options.trace, "Write Chrome trace-event JSON (Perfetto) of every task to this file")
      ->type_name("FILE");
  app.add_option("--html", options.html, "Write a self-contained HTML page with the table, charts and timelines")
      ->type_name("FILE");
  app.add_flag("--profile-filters", options.profile_filters,
               "Time every filter on its own (outputs materialised between them) and show where the time goes; "
               "slower than the fused chain, which runs without it");
  add_transport_option(app, common);
  app.add_option("-r,--repeats", options.repeats, "Measured runs per configuration (figures use the median)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--warmup", options.warmup, "Unmeasured runs per configuration before those")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of the synthetic dataset")->capture_default_str();
  app.add_option("--size", options.size, "Size of every synthetic image, WxH (default: mixed photo sizes)")
      ->type_name("WxH");
  add_image_format_options(app, common);
  add_vips_options(app, common);
  add_worker_options(app, common,
                     "Seconds a worker process may take on one image before it is killed and replaced and the image "
                     "retried (0 = none, the default here: a deadline would distort the times compared). Process pool "
                     "only: a thread cannot be killed, so a filter that never returns hangs the threads and sequential "
                     "executors; with mpi, an image over it aborts the MPI job",
                     "0");
  add_log_options(app, common);
}

int run_comparison_command(const CompareOptions& options) {
  try {
    return run(options);
  } catch (...) {
    return exit_status_of_current_exception("Run with --help for more information.");
  }
}

}  // namespace image_pipeline
