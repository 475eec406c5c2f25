#pragma once
// The CLI's exit statuses, and how an error that ends a command maps to one: both commands answer alike.
#include <string_view>

namespace image_pipeline {

constexpr int exit_failures = 1;  // the run completed, but some image failed or outputs differ; or it could not work
constexpr int exit_usage = 2;     // bad options (CLI11's own convention), a bad filter spec, an unusable dataset,
                                  // an output path that cannot be written (found before any work)

// Call inside a catch block: prints the error (usage errors with `help_hint`, e.g. "Run with --help for more
// information.") and returns its exit status.
[[nodiscard]] int exit_status_of_current_exception(std::string_view help_hint);

}  // namespace image_pipeline
