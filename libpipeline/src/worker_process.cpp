#include "worker_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <cerrno>
#include <system_error>
#include <thread>

#include <boost/process/v2/stdio.hpp>
#include <fmt/format.h>

namespace pipeline::detail {

namespace bp2 = boost::process::v2;

constexpr int pipe_bytes = 1 << 20;  // the default pipe-max-size of unprivileged processes

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    const char* abbreviation = ::sigabbrev_np(signal);
    return fmt::format("killed by signal {} (SIG{}){}", signal, abbreviation != nullptr ? abbreviation : "?",
                       WCOREDUMP(status) ? ", core dumped" : "");
  }
  return fmt::format("ended with wait status 0x{:x}", status);
}

namespace {

bp2::process launch(boost::asio::io_context& io, const std::filesystem::path& program,
                    const std::vector<std::string>& arguments, boost::asio::writable_pipe& input,
                    boost::asio::readable_pipe& output) {
  // The launcher closes every other descriptor in the child, so no worker holds another's pipe open (which
  // would keep that worker from ever seeing the end of its stdin).
  bp2::default_process_launcher launcher;
  boost::system::error_code error;
  bp2::process process = launcher(boost::asio::any_io_executor(io.get_executor()), error, program, arguments, bp2::process_stdio{input, output, {}});
  if (error) {
    // A child whose exec failed has exited already; the launcher leaves it to us to reap.
    if (launcher.pid > 0) {
      int status = 0;
      while (::waitpid(launcher.pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    throw std::system_error(error.value(), std::system_category(), "starting " + program.string());
  }
  return process;
}

}  // namespace

WorkerProcess::WorkerProcess(boost::asio::io_context& io, const std::filesystem::path& program,
                             const std::vector<std::string>& arguments)
    : input_(io),
      output_(io),
      process_(launch(io, program, arguments, input_, output_)),
      pid_(process_.id()) {
  // An image is megabytes; with the default 64 KiB pipes each one costs a hundred wake-ups of both processes.
  // Best effort: the kernel caps the size (/proc/sys/fs/pipe-max-size) and the pool works with any.
  ::fcntl(input_.native_handle(), F_SETPIPE_SZ, pipe_bytes);
  ::fcntl(output_.native_handle(), F_SETPIPE_SZ, pipe_bytes);
}

WorkerProcess::~WorkerProcess() {
  close_pipes();
  if (!ending_) kill_and_reap();
}

void WorkerProcess::close_input() noexcept {
  boost::system::error_code ignored;
  input_.close(ignored);
}

void WorkerProcess::close_pipes() noexcept {
  boost::system::error_code ignored;
  input_.close(ignored);
  output_.close(ignored);
}

Ending WorkerProcess::finish(std::optional<int> status, bool killed) {
  // Detached once reaped: the pid may be reused, and the process object's destructor would kill by pid.
  (void)process_.detach();
  ending_ = Ending{status.value_or(0), killed,
                   status ? describe_wait_status(*status)
                          : std::string("ended, its status collected elsewhere (is SIGCHLD ignored?)")};
  return *ending_;
}

Ending WorkerProcess::reap(std::chrono::milliseconds grace) {
  if (ending_) return *ending_;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto pause = std::chrono::microseconds(100);
  while (true) {
    int status = 0;
    const pid_t reaped = ::waitpid(static_cast<pid_t>(pid_), &status, WNOHANG);
    if (reaped == pid_) return finish(status, false);
    if (reaped < 0 && errno != EINTR) return finish(std::nullopt, false);  // no longer our child to reap
    if (std::chrono::steady_clock::now() >= deadline) return kill_and_reap();
    // Usually a few microseconds: a worker's pipe reads end of file just before the kernel marks it exited.
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20'000));
  }
}

Ending WorkerProcess::kill_and_reap() {
  if (ending_) return *ending_;
  int status = 0;
  pid_t reaped = ::waitpid(static_cast<pid_t>(pid_), &status, WNOHANG);
  if (reaped == pid_) return finish(status, false);
  ::kill(static_cast<pid_t>(pid_), SIGKILL);
  do {
    reaped = ::waitpid(static_cast<pid_t>(pid_), &status, 0);
  } while (reaped < 0 && errno == EINTR);
  return finish(reaped == pid_ ? std::optional<int>(status) : std::nullopt, true);
}

}  // namespace pipeline::detail
