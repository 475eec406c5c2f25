#pragma once
// The options the comparison and `run` both take, defined once: each adder puts its options on a command (in the
// place of the command's choosing, which orders its --help), and process_pool_options() turns them into the
// library's options for a process pool, the same way for both.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/output_format.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/vips.hpp"

namespace image_pipeline {

struct CommonOptions {
  std::string filters{pipeline::default_filter_spec};
  std::string output_format = "png";  // --format
  std::optional<int> compression;     // --compression: PNG and TIFF only
  std::optional<int> quality;         // --quality: JPEG and WebP only
  pipeline::DecodeOptions decode;
  pipeline::VipsSettings vips;
  std::string transport = "shm";  // the process pool's: "pipe" or "shm"
  std::optional<std::string> worker_program;
  std::optional<double> task_timeout;  // seconds; unset: the command's default (process_pool_options)
  bool verbose = false;
  bool quiet = false;
};

// Each adds its options to `command`, landing in `options` (which must outlive the parse).

// -f,--filters
void add_filters_option(CLI::App& command, CommonOptions& options);
// --format, --compression (alias --png-compression) and --quality, then --fail-on and --max-pixels
// (decode_options.hpp): how outputs are written, inputs read.
void add_image_format_options(CLI::App& command, CommonOptions& options);
// The outputs' format from --format, --compression and --quality. Throws CLI::ValidationError for a knob the format
// does not have (--quality with PNG, say), rather than ignoring it.
[[nodiscard]] pipeline::OutputFormat output_format_of(const CommonOptions& options);
// --vips-concurrency, --vips-cache
void add_vips_options(CLI::App& command, CommonOptions& options);
// --transport
void add_transport_option(CLI::App& command, CommonOptions& options);
// --worker-program and --task-timeout; the timeout's default differs by command, so its description (and the
// default shown, if any) comes from the command.
void add_worker_options(CLI::App& command, CommonOptions& options, const std::string& task_timeout_description,
                        const std::optional<std::string>& task_timeout_default_shown);
// -v,--verbose and -q,--quiet
void add_log_options(CLI::App& command, CommonOptions& options);

// The process pool's options from the command's: libvips settings, transport, worker program, and the task timeout
// given (none if 0) or else `default_task_timeout`.
[[nodiscard]] pipeline::ProcessPoolOptions process_pool_options(
    const CommonOptions& options, const pipeline::ProcessPoolOptions::TaskTimeout& default_task_timeout);

}  // namespace image_pipeline
