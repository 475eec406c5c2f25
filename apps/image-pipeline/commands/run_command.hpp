#pragma once
// `image-pipeline run IN_DIR OUT_DIR`: every image of a folder through the chain into another folder, streamed
// (each image decoded, filtered and written by a worker; only the images being worked on are in memory), with a
// progress bar at a terminal and a summary at the end.

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "options/common_options.hpp"
#include "terminal/stop_on_signal.hpp"

namespace image_pipeline {

struct RunCommandOptions {
  std::string input;
  std::string output;
  std::string executor;                        // set by add_run_command to the default
  int workers = 0;                             // set by add_run_command to the logical CPUs
  bool workers_given = false;                  // -w was on the command line (mpi: its default is every rank)
  std::optional<std::uint64_t> memory_budget;  // bytes; unset: the library's default
  bool resume = false;                         // skip images whose output is up to date (pipeline::skip_up_to_date)
  CommonOptions common;                        // its task timeout defaults to run's own (run_command.cpp)
};

// Adds the `run` subcommand to `app`, its options landing in `options` (which must outlive the parse).
CLI::App* add_run_command(CLI::App& app, RunCommandOptions& options);

// Runs it; returns the exit status: 0 every image written (or up to date, with --resume), 1 some image failed (or
// the run could not work), 2 unusable input (missing folder, no images, the output folder the input folder, a bad
// filter spec), 128 + the signal's number when `stop` stopped it (the images in progress written whole, the rest not
// started).
// Logging must be set up (spdlog's default logger).
[[nodiscard]] int run_folder_command(const RunCommandOptions& options, const StopOnSignal& stop);

}  // namespace image_pipeline
