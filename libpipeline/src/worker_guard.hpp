#pragma once
// Private to the library: what stops a program started as its own worker that never calls maybe_serve_worker().
// Without it, such a child runs main again, starts a pool of its own, and so on without end.

#include <string>

namespace pipeline::detail {

// What such a child says on stderr, and what its parent's start-up error says: names the missing call.
[[nodiscard]] std::string unserved_worker_message();

// This process serves the protocol (serve_worker): it is a worker, and the processes it starts are not.
void mark_serving() noexcept;

// At the library's entry points that serving never reaches (executors, datasets): a process the pool started as a
// worker (worker_parent_variable names its parent) that is not serving prints unserved_worker_message() on
// stderr and exits at once with unserved_worker_exit_code (worker_environment.hpp).
void exit_if_unserved_worker() noexcept;

}  // namespace pipeline::detail
