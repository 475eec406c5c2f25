#include "worker_guard.hpp"

#include <errno.h>  // program_invocation_short_name
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "pipeline/worker_environment.hpp"

namespace pipeline::detail {
namespace {

std::atomic<bool> serving{false};

}  // namespace

std::string unserved_worker_message() {
  return "this program was started as its own process-pool worker (ProcessPoolOptions::self_worker()) but never "
         "called pipeline::maybe_serve_worker(argc, argv): call it at the top of main, after registering the "
         "program's filters, and return the exit code it gives";
}

void mark_serving() noexcept { serving.store(true); }

void exit_if_unserved_worker() noexcept {
  if (serving.load()) return;
  const char* parent = std::getenv(worker_parent_variable.data());  // a literal: NUL-terminated
  if (parent == nullptr) return;
  // Only the process the pool started: a program this one runs inherits the variable, but not that parent.
  const std::string_view text(parent);
  long pid = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (error != std::errc() || end != text.data() + text.size() || pid != static_cast<long>(::getppid())) return;
  // Named after the program, not this library: it is the user's own program that must change.
  const std::string message = std::string(program_invocation_short_name) + ": " + unserved_worker_message() + "\n";
  // write(), not a stream or the logger: the program may have set up neither, and nothing is flushed into stdout,
  // which is the parent's protocol pipe.
  (void)!::write(STDERR_FILENO, message.data(), message.size());
  ::_exit(unserved_worker_exit_code);
}

}  // namespace pipeline::detail
