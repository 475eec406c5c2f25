#pragma once
// How a process knows that a process pool started it as a worker: the core's guard (every executor and dataset
// checks it) and the pool (which sets it) share these, so they live apart from the pool's own headers.

#include <string_view>

namespace pipeline {

// The pool starts every worker with this environment variable set to its own PID. A program started so that
// reaches an executor or a dataset without serving (it forgot maybe_serve_worker(), worker.hpp) says so on stderr
// and exits at once with unserved_worker_exit_code, and the pool's start-up fails with that message, instead of the
// program running its main again, pools and all, in every worker. serve_worker() clears the variable.
inline constexpr std::string_view worker_parent_variable = "PIPELINE_WORKER_PARENT";
inline constexpr int unserved_worker_exit_code = 87;

}  // namespace pipeline
