#include "process_pool/worker_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <system_error>
#include <thread>

#include <boost/process/v2/stdio.hpp>
#include <fmt/format.h>

#include "pipeline/worker.hpp"

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

// Places `fd` at `target` in the child. Not Boost 1.81's posix::bind_fd: its on_setup has no return statement
// (undefined behaviour), and binding a descriptor to its own number leaves FD_CLOEXEC set, so exec would close it.
// fd < 0: nothing to place.
struct InheritFd {
  int fd;
  int target;

  boost::system::error_code on_setup(bp2::posix::default_launcher& launcher, const std::filesystem::path&,
                                     const char* const*) const {
    if (fd >= 0) launcher.fd_whitelist.push_back(target);
    return {};
  }
  // In the child, between fork and exec: async-signal-safe calls only.
  boost::system::error_code on_exec_setup(bp2::posix::default_launcher&, const std::filesystem::path&,
                                          const char* const*) const {
    if (fd < 0) return {};
    // dup2 gives the new descriptor FD_CLOEXEC cleared; onto itself it changes nothing, so clear it by hand.
    const int result = fd == target ? ::fcntl(fd, F_SETFD, 0) : ::dup2(fd, target);
    if (result == -1) return {errno, boost::system::system_category()};
    return {};
  }
};

// Ctrl-C at a terminal signals the whole process group, and the pool, not the terminal, decides when its workers
// stop (RunOptions::stop lets them finish what they were sent): a worker ignores SIGINT from its first instruction,
// before it has even loaded its libraries (serve_worker() ignores it again for workers started otherwise). The
// parent's handlers of SIGINT and SIGTERM (the CLI's) must not run in the child between fork and exec either, so
// the launching thread blocks both around the fork; the child ignores SIGINT, takes SIGTERM's default action and
// unblocks both before exec, and the parent unblocks them after (a signal that came meanwhile is delivered then).
class TerminationSignalsBlocked {
 public:
  TerminationSignalsBlocked() {
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGINT);
    sigaddset(&both, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &both, &previous_);
  }
  ~TerminationSignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  TerminationSignalsBlocked(const TerminationSignalsBlocked&) = delete;
  TerminationSignalsBlocked& operator=(const TerminationSignalsBlocked&) = delete;
  [[nodiscard]] const sigset_t& previous() const noexcept { return previous_; }

 private:
  sigset_t previous_;
};

struct IgnoreInterruptInChild {
  const sigset_t* mask_to_restore;

  // In the child, between fork and exec: async-signal-safe calls only.
  boost::system::error_code on_exec_setup(bp2::posix::default_launcher&, const std::filesystem::path&,
                                          const char* const*) const {
    struct sigaction action {};
    sigemptyset(&action.sa_mask);
    action.sa_handler = SIG_IGN;
    if (::sigaction(SIGINT, &action, nullptr) == -1) return {errno, boost::system::system_category()};
    action.sa_handler = SIG_DFL;
    if (::sigaction(SIGTERM, &action, nullptr) == -1) return {errno, boost::system::system_category()};
    if (::sigprocmask(SIG_SETMASK, mask_to_restore, nullptr) == -1) return {errno, boost::system::system_category()};
    return {};
  }
};

// A worker must not outlive a parent that dies without stopping it (SIGKILL, a crash): it would finish the task in
// hand, for no one, before it noticed the end of its stdin. The kernel sends it SIGKILL when its parent goes.
// Strictly, when the parent's *thread* that forked it exits: the pool launches workers from the thread that
// calls run() or start() (a replacement too), so a program whose thread started the pool and then ended loses
// its workers, and the next run starts new ones.
struct DieWithParent {
  pid_t parent;  // getpid() before the fork

  // In the child, between fork and exec: async-signal-safe calls only (prctl and getppid are plain system calls).
  boost::system::error_code on_exec_setup(bp2::posix::default_launcher&, const std::filesystem::path&,
                                          const char* const*) const {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) == -1) return {errno, boost::system::system_category()};
    // The parent died between the fork and the prctl: no signal will come, and our parent is now a reaper.
    if (::getppid() != parent) ::_exit(1);
    return {};
  }
};

// libvips finds its loadable modules (HEIF, JPEG XL, PDF, ImageMagick, OpenSlide loaders) under $VIPSHOME/lib when
// that is set: pointed at a folder that does not exist, it loads none, and vips_init takes about 2 ms instead of 25-30.
constexpr std::string_view vips_home_without_modules = "VIPSHOME=/nonexistent/pipeline-worker-without-vips-modules";

// This environment with worker_parent_variable set to our PID (worker.hpp): a program started as its own worker
// that never serves then stops at once instead of running its main again (worker_guard.hpp). Without
// `vips_modules`, VIPSHOME too (above).
class WorkerEnvironment {
 public:
  explicit WorkerEnvironment(bool vips_modules) : own_(fmt::format("{}={}", worker_parent_variable, ::getpid())) {
    const std::string_view prefix = std::string_view(own_).substr(0, worker_parent_variable.size() + 1);
    for (char** entry = environ; *entry != nullptr; ++entry) {
      const std::string_view variable(*entry);
      if (variable.starts_with(prefix) || (!vips_modules && variable.starts_with("VIPSHOME="))) continue;
      entries_.push_back(*entry);
    }
    entries_.push_back(own_.c_str());
    if (!vips_modules) entries_.push_back(vips_home_without_modules.data());
    entries_.push_back(nullptr);
  }
  WorkerEnvironment(const WorkerEnvironment&) = delete;
  WorkerEnvironment& operator=(const WorkerEnvironment&) = delete;

  // Read by the launcher before it forks; the entries live as long as this object.
  boost::system::error_code on_setup(bp2::posix::default_launcher& launcher, const std::filesystem::path&,
                                     const char* const*) const {
    launcher.env = entries_.data();
    return {};
  }

 private:
  std::string own_;
  std::vector<const char*> entries_;
};

bp2::process launch(boost::asio::io_context& io, const std::filesystem::path& program,
                    const std::vector<std::string>& arguments, boost::asio::writable_pipe& input,
                    boost::asio::readable_pipe& output, int segment_fd, int arena_fd, bool vips_modules) {
  // No worker may hold another's pipe open (that worker would never see the end of its stdin): the parent's
  // pipe ends are close-on-exec, and the launcher closes the descriptors above the ones it keeps. (Boost 1.81's
  // Linux close_all skips the gaps between kept descriptors, so close-on-exec is what really guarantees it; the
  // segments and shared image memory are close-on-exec too.) The segment goes first: shared image memory's
  // descriptor is above both target numbers (shared_image_memory.cpp), so placing one never clobbers the other.
  bp2::default_process_launcher launcher;
  boost::system::error_code error;
  const WorkerEnvironment environment(vips_modules);
  const TerminationSignalsBlocked blocked;
  bp2::process process = launcher(boost::asio::any_io_executor(io.get_executor()), error, program, arguments,
                                  environment, IgnoreInterruptInChild{&blocked.previous()}, DieWithParent{::getpid()},
                                  bp2::process_stdio{input, output, {}}, InheritFd{segment_fd, worker_segment_fd},
                                  InheritFd{arena_fd, worker_arena_fd});
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
                             const std::vector<std::string>& arguments, int segment_fd, int arena_fd, bool vips_modules)
    : input_(io),
      output_(io),
      process_(launch(io, program, arguments, input_, output_, segment_fd, arena_fd, vips_modules)),
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
