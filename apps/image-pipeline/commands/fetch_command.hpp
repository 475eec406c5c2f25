#pragma once
// `image-pipeline fetch URLS_FILE DIR`: downloads a list of image URLs into a folder (pipeline/fetch.hpp), in
// parallel, with retries and a cache, naming each failure; a progress bar at a terminal and a summary at the end.

#include <string>

#include <CLI/CLI.hpp>

#include "pipeline/fetch.hpp"
#include "terminal/stop_on_signal.hpp"

namespace image_pipeline {

struct FetchCommandOptions {
  std::string urls_file;
  std::string dir;
  pipeline::FetchOptions fetch;  // on_item_done is set by run_fetch_command
  bool verbose = false;
  bool quiet = false;
};

// Adds the `fetch` subcommand to `app`, its options landing in `options` (which must outlive the parse).
CLI::App* add_fetch_command(CLI::App& app, FetchCommandOptions& options);

// Runs it; returns the exit status: 0 every URL downloaded or up to date, 1 some failed (each named on stderr, the
// others kept) or the fetch could not work, 2 an unreadable URL list or a folder that cannot be written, 128 + the
// signal's number when `stop` stopped it (the downloads in progress abandoned, nothing partial left, the cache
// written for what came).
// Logging must be set up (spdlog's default logger).
[[nodiscard]] int run_fetch_command(const FetchCommandOptions& options, const StopOnSignal& stop);

}  // namespace image_pipeline
