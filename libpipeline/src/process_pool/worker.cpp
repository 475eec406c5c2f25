#include "pipeline/worker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <exception>
#include <memory>
#include <system_error>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "pipeline/memory.hpp"
#include "process_pool/worker_session.hpp"
#include "worker_guard.hpp"

namespace pipeline {
namespace {

// The protocol's own descriptors, moved off 0 and 1: fd 1 then points at stderr and fd 0 at /dev/null, so a
// filter that prints or reads cannot corrupt the frame stream.
detail::ProtocolFds take_stdio() {
  detail::ProtocolFds fds{::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3), ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)};
  if (fds.in < 0 || fds.out < 0) throw std::system_error(errno, std::generic_category(), "duplicating stdin/stdout");
  if (::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) throw std::system_error(errno, std::generic_category(), "dup2");
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, STDIN_FILENO);
    ::close(null);
  }
  return fds;
}

void use_stderr_logger() {
  auto logger = std::make_shared<spdlog::logger>("worker", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_pattern("[worker %P] [%l] %v");
  logger->set_level(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

// A worker process's session acts on the process itself: the handshake's descriptors and the file tasks' paths
// are the parent's, taken as given.
class ProcessEnvironment final : public detail::WorkerEnvironment {
 public:
  void set_log_level(int level) override { spdlog::set_level(static_cast<spdlog::level::level_enum>(level)); }
  void initialize_vips(const VipsSettings& settings) override { pipeline::initialize_vips(settings); }
  detail::SharedSegment adopt_segment(int fd, std::uint64_t bytes) override {
    return detail::SharedSegment::adopt(fd, bytes);
  }
  detail::ArenaMapping adopt_arena(int fd, std::uint64_t capacity) override {
    return detail::ArenaMapping::adopt(fd, capacity);
  }
  void tune_allocator() override { tune_allocator_for_images(); }
  detail::UnflushedFileTask run_file_task(const FilterChain& chain, const FileJob& job, const FileJobOptions& options,
                                          bool profile_stages) override {
    return detail::run_unflushed_file_task(chain, job, options, 0, profile_stages);
  }
};

}  // namespace

int serve_worker(int argc, char** argv) {
  // Serving: this process is the worker it was started as, and what it runs is not one (worker_guard.hpp).
  detail::mark_serving();
  ::unsetenv(worker_parent_variable.data());
  use_stderr_logger();
  for (int i = 1; i < argc; ++i) {
    if (argv[i] != worker_flag) {
      spdlog::error(
          "unexpected argument '{}'. This program is started by the image pipeline's process pool and "
          "speaks a binary protocol on stdin/stdout; it takes no options.",
          argv[i]);
      return 2;
    }
  }
  if (::isatty(STDIN_FILENO) == 1) {
    spdlog::error(
        "stdin is a terminal: this program is started by the image pipeline's process pool and speaks a "
        "binary protocol on stdin/stdout.");
    return 2;
  }
  // A write to a parent that has gone must fail with EPIPE, not kill us before we can log it.
  std::signal(SIGPIPE, SIG_IGN);
  // Ctrl-C at a terminal signals the whole process group, workers included. The pool decides when its workers
  // stop: a stopped run lets the images in progress finish, and a parent that is gone closes our stdin.
  std::signal(SIGINT, SIG_IGN);
  detail::ProtocolFds fds;
  try {
    fds = take_stdio();
  } catch (const std::exception& error) {
    spdlog::error("{}; exiting with code 1", error.what());
    return 1;
  }
  ProcessEnvironment environment;
  return detail::serve_session(fds, environment);
}

std::optional<int> maybe_serve_worker(int argc, char** argv) {
  if (argc >= 2 && argv[1] == worker_flag) return serve_worker(argc, argv);
  return std::nullopt;
}

}  // namespace pipeline
