#include "options/common_options.hpp"

#include <fmt/format.h>

#include "help/one_of.hpp"
#include "io/executable_file.hpp"
#include "options/decode_options.hpp"

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
      .add_option("--format", options.output_format,
                  "Format of the outputs: png (through the project's own encoder), or jpeg, webp or tiff (libvips' "
                  "savers; JPEG and WebP take 8 bits, JPEG no alpha)")
      ->check(one_of({"png", "jpeg", "webp", "tiff"}))
      ->capture_default_str();
  command
      .add_option("--compression,--png-compression", options.compression,
                  "Deflate level of PNG and TIFF outputs: 0 is none, 1 the fastest, 9 the slowest; PNG's 1 codes "
                  "literals and runs without an LZ77 search, as small as 6 on filtered photos")
      ->type_name("LEVEL")
      ->default_str("1")
      ->check(CLI::Range(0, pipeline::max_output_compression));
  command
      .add_option("--quality", options.quality,
                  "Quality of JPEG and WebP outputs: 1 gives the smallest files, 100 the best pictures")
      ->type_name("N")
      ->default_str("75")
      ->check(CLI::Range(pipeline::min_output_quality, pipeline::max_output_quality));
  add_decode_options(command, options.decode);
}

pipeline::OutputFormat output_format_of(const CommonOptions& options) {
  pipeline::OutputFormat output;
  output.format = pipeline::parse_image_format(options.output_format);
  const bool lossless = output.format == pipeline::ImageFormat::png || output.format == pipeline::ImageFormat::tiff;
  if (options.compression && !lossless) {
    throw CLI::ValidationError("--compression", fmt::format("{} outputs have no deflate level: use --quality",
                                                            pipeline::to_string(output.format)));
  }
  if (options.quality && lossless) {
    throw CLI::ValidationError("--quality", fmt::format("{} outputs are lossless, with no quality: use --compression",
                                                        pipeline::to_string(output.format)));
  }
  if (options.compression) output.compression = *options.compression;
  if (options.quality) output.quality = *options.quality;
  return output;
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
