#pragma once
// The CLI's exit statuses, and how an error that ends a command maps to one: both commands answer alike.
#include <array>
#include <csignal>
#include <string_view>

namespace image_pipeline {

constexpr int exit_failures = 1;  // the run completed, but some image failed or outputs differ; or it could not work
constexpr int exit_usage = 2;     // bad options (CLI11's own convention), a bad filter spec, an unusable dataset,
                                  // an output path that cannot be written (found before any work)

constexpr int exit_stopped_by_sigint = 128 + SIGINT;  // StopOnSignal::exit_status(): 128 + the signal's number
constexpr int exit_stopped_by_sigterm = 128 + SIGTERM;

struct ExitStatusDoc {
  int code;
  std::string_view meaning;
};
// Every status the program exits with, for --help and the man page.
inline constexpr std::array exit_status_docs{
    ExitStatusDoc{0, "Success: every image processed and written, every run identical (fetch: every file there)"},
    ExitStatusDoc{exit_failures,
                  "The run completed, but an input could not be read, a task failed, an output could not be written "
                  "or outputs differed (each named on stderr); or a download failed"},
    ExitStatusDoc{exit_usage,
                  "Bad options or filter spec, an input folder missing or without images, or an output path that "
                  "cannot be written (checked before any work)"},
    ExitStatusDoc{exit_stopped_by_sigint, "Stopped by Ctrl-C (SIGINT): the images in progress finished, no report"},
    ExitStatusDoc{exit_stopped_by_sigterm, "Stopped by SIGTERM, likewise"},
};

// Call inside a catch block: prints the error (usage errors with `help_hint`, e.g. "Run with --help for more
// information.") and returns its exit status.
[[nodiscard]] int exit_status_of_current_exception(std::string_view help_hint);

}  // namespace image_pipeline
