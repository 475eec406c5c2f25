#include "common_options.hpp"

#include "decode_options.hpp"
#include "executable_file.hpp"

namespace image_pipeline {

void add_filters_option(CLI::App& command, CommonOptions& options) {
  command
      .add_option("-f,--filters", options.filters,
                  "Filter chain, e.g. grayscale,blur,brightness=1.5 (the filters: --help)")
      ->type_name("SPEC")
      ->capture_default_str();
}

void add_image_format_options(CLI::App& command, CommonOptions& options) {
  command
      .add_option("--png-compression", options.png_compression,
                  "PNG compression of the outputs: the deflate level (0 = none, 9 = smallest and slowest)")
      ->type_name("LEVEL")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  add_decode_options(command, options.decode);
}

void add_vips_options(CLI::App& command, CommonOptions& options) {
  command.add_option("--vips-concurrency", options.vips.concurrency, "Threads libvips may use inside one operation")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  command.add_option("--vips-cache", options.vips.cache_max_operations, "Operations libvips may cache (0 = off)")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
}

void add_transport_option(CLI::App& command, CommonOptions& options) {
  command
      .add_option("--transport", options.transport, "How the process pool moves pixels: shm (shared memory) or pipe")
      ->check(CLI::IsMember({"shm", "pipe"}))
      ->capture_default_str();
}

void add_worker_options(CLI::App& command, CommonOptions& options, const std::string& task_timeout_description,
                        const std::optional<std::string>& task_timeout_default_shown) {
  command
      .add_option("--worker-program", options.worker_program,
                  "Worker program of the process pool (default: $PIPELINE_WORKER, else found next to this program)")
      ->type_name("PATH")
      ->check(executable_file());
  CLI::Option* timeout = command.add_option("--task-timeout", options.task_timeout, task_timeout_description)
                             ->type_name("SECONDS")
                             ->check(CLI::Range(0.0, 1e9));
  if (task_timeout_default_shown) timeout->default_str(*task_timeout_default_shown);
}

void add_log_options(CLI::App& command, CommonOptions& options) {
  command.add_flag("-v,--verbose", options.verbose, "Log more (debug level)");
  command.add_flag("-q,--quiet", options.quiet, "Log errors only, and no progress bar");
}

pipeline::ProcessPoolOptions process_pool_options(
    const CommonOptions& options, const pipeline::ProcessPoolOptions::TaskTimeout& default_task_timeout) {
  pipeline::ProcessPoolOptions pool;
  pool.vips = options.vips;
  pool.transport = pipeline::parse_transport(options.transport);
  if (options.worker_program) pool.worker_program = *options.worker_program;
  pool.task_timeout = options.task_timeout ? pipeline::ProcessPoolOptions::TaskTimeout{.seconds = *options.task_timeout}
                                           : default_task_timeout;
  return pool;
}

}  // namespace image_pipeline
