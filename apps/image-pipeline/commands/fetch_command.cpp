#include "commands/fetch_command.hpp"

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "exit_status.hpp"
#include "io/output_checks.hpp"
#include "terminal/fetch_progress.hpp"

namespace image_pipeline {
namespace {

int run(const FetchCommandOptions& options, const StopOnSignal& stop) {
  std::vector<std::string> urls;
  try {
    urls = pipeline::read_url_list(options.urls_file);
  } catch (const pipeline::FetchError& error) {
    throw OutputPathError(error.what());  // exit 2, as any unusable input named on the command line
  }
  // Before any download: exit 2 with the OS's reason if DIR cannot take new files.
  check_output_folder("DIR", options.dir);
  spdlog::info("{} URL(s) from {} into {}, {} at a time", urls.size(), options.urls_file, options.dir,
               options.fetch.parallel);

  pipeline::FetchOptions fetch = options.fetch;
  fetch.stop = stop.token();
  const pipeline::FetchResult result = fetch_with_progress(urls, options.dir, fetch, !options.quiet);
  const std::size_t failed = result.count(pipeline::FetchStatus::failed);
  std::cout << fetch_counts(result) << '\n' << std::flush;
  if (stop.signal() != 0) return stop.exit_status();
  return failed == 0 ? EXIT_SUCCESS : exit_failures;
}

}  // namespace

CLI::App* add_fetch_command(CLI::App& app, FetchCommandOptions& options) {
  pipeline::FetchOptions& fetch = options.fetch;
  CLI::App* command = app.add_subcommand(
      "fetch",
      "Downloads the image URLs listed in URLS_FILE into DIR, in parallel: each file checked to be an image, "
      "written whole or not at all, failures named, and files unchanged on the server kept");
  command
      ->add_option("URLS_FILE", options.urls_file,
                   "One http(s) URL per line; blank lines and lines starting with # are skipped")
      ->required();
  command
      ->add_option("DIR", options.dir,
                   "Folder for the files (created). Each is named after its URL's last path segment (decoded, made "
                   "safe; a second URL of the same name gets -2). DIR/.fetch-cache.json remembers each URL's ETag "
                   "and Last-Modified")
      ->required();
  command->add_option("-p,--parallel", fetch.parallel, "Transfers at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  command
      ->add_option("--timeout", fetch.timeout_s,
                   "Seconds one attempt at a file may take, from connecting to the last byte; also given up: "
                   "connecting for more than --connect-timeout, or under 1 KiB/s for 30 s")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--connect-timeout", fetch.connect_timeout_s, "Seconds connecting may take")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--retries", fetch.retries,
                   "More attempts after a transient failure (a timeout, a connection error, HTTP 408, 429 or 5xx), "
                   "waiting --retry-delay, then twice as long each time (or the server's Retry-After; at most 60 s). "
                   "Other failures, such as HTTP 404, are never retried")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  command->add_option("--retry-delay", fetch.retry_delay_s, "Seconds before the first retry")
      ->type_name("SECONDS")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command
      ->add_option("--max-bytes", fetch.max_bytes,
                   "Largest file accepted (e.g. 256MiB, 10M: binary units); a larger one is cut off as it arrives "
                   "and fails")
      ->transform(CLI::AsSizeValue(false))
      ->check(
          CLI::Validator([](const std::string& bytes) { return bytes == "0" ? "must be at least 1 byte" : ""; }, ""))
      ->type_name("SIZE")
      ->default_str("256MiB");
  command->add_flag(
      "--no-cache", [&fetch](std::int64_t) { fetch.use_cache = false; },
      "Download every file again. Without it, a file is unchanged, and kept without a download, when the server "
      "answers 304 Not Modified to a request carrying the ETag / Last-Modified it sent with the file, and the "
      "file in DIR is still the one written then (same size and modification time); a file edited or deleted "
      "since, or sent without either header, is downloaded again");
  command->add_flag("-v,--verbose", options.verbose, "Log more (debug level): each file, each retry");
  command->add_flag("-q,--quiet", options.quiet, "Log errors only, and no progress bar");
  return command;
}

int run_fetch_command(const FetchCommandOptions& options, const StopOnSignal& stop) {
  try {
    return run(options, stop);
  } catch (...) {
    return exit_status_of_current_exception("Run 'image-pipeline fetch --help' for more information.");
  }
}

}  // namespace image_pipeline
