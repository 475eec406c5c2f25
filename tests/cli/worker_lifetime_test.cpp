// A process pool's workers do not outlive a CLI killed outright (SIGKILL: no handler, no destructor runs).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "cli_process.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

namespace fs = std::filesystem;
using pipeline::test::children_of;
using pipeline::test::read_file;
using pipeline::test::read_proc_file;

namespace {

bool is_worker(pid_t pid) {
  std::error_code error;
  const fs::path exe = fs::read_symlink(fmt::format("/proc/{}/exe", pid), error);
  return !error && exe.filename() == "image-pipeline-worker";
}

// Gone, or dead and waiting for a reaper that may never come (a container's init may not reap).
bool gone(pid_t pid) {
  const std::string stat = read_proc_file(fmt::format("/proc/{}/stat", pid));
  const auto after_name = stat.rfind(')');
  return after_name == std::string::npos || stat.compare(after_name, 4, ") Z ") == 0 ||
         stat.compare(after_name, 4, ") X ") == 0;
}

// Opens both ends of every pipe `pid` has (its protocol stdin and stdout), as a process that inherited them would
// hold them; returns the descriptors.
std::vector<int> hold_pipes_of(pid_t pid) {
  std::vector<int> held;
  std::error_code error;
  for (fs::directory_iterator it(fmt::format("/proc/{}/fd", pid), error), end; !error && it != end;
       it.increment(error)) {
    std::error_code link_error;
    if (!fs::read_symlink(it->path(), link_error).string().starts_with("pipe:")) continue;
    const int fd = ::open(it->path().c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) held.push_back(fd);
  }
  return held;
}

}  // namespace

TEST_CASE("workers die with a CLI killed by SIGKILL, even when something else holds their pipes",
          "[cli][run][signals][processes]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  fs::create_directories(in);
  for (int i = 0; i < 40; ++i) {
    pipeline::write_png_atomic(pipeline::test::noise_image(400, 300, 3, static_cast<std::uint64_t>(i) + 3),
                               in / fmt::format("photo-{:02}.png", i));
  }
  const pid_t cli = pipeline::test::spawn_cli_in_own_session(
      {"run", in.string(), out.string(), "--executor", "processes", "--workers", "2", "--png-compression", "9"},
      temp.path() / "stdout", temp.path() / "stderr");
  // Both workers started (exec'd: a fork not yet exec'd is still the CLI). Sanitizer builds are slow: a minute.
  std::vector<pid_t> workers;
  for (int waited_ms = 0; waited_ms < 60'000; waited_ms += 5) {
    workers.clear();
    for (const pid_t child : children_of(cli)) {
      if (is_worker(child)) workers.push_back(child);
    }
    if (workers.size() == 2) break;
    ::usleep(5'000);
  }
  INFO(read_file(temp.path() / "stdout") << read_file(temp.path() / "stderr"));
  REQUIRE(workers.size() == 2);
  // Without PR_SET_PDEATHSIG a worker outlives its parent until it sees the end of its stdin, or a broken stdout:
  // after the task in hand and the one queued behind it, or never while another process holds its pipes open (a
  // child the CLI's user started, say). Holding them here makes that "never", so only the kernel's SIGKILL on the
  // parent's death can end them within the wait below.
  std::vector<int> held;
  for (const pid_t worker : workers) {
    const auto fds = hold_pipes_of(worker);
    held.insert(held.end(), fds.begin(), fds.end());
  }
  CHECK(held.size() >= 4);  // each worker's stdin and stdout
  REQUIRE(::kill(cli, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(cli, &status, 0) == cli);
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  for (const pid_t worker : workers) {
    int waited_ms = 0;
    for (; !gone(worker) && waited_ms < 10'000; waited_ms += 10) ::usleep(10'000);
    INFO("worker " << worker);
    CHECK(gone(worker));
  }
  for (const int fd : held) ::close(fd);
  ::kill(-cli, SIGKILL);  // whatever is left of its process group, should the check above have failed
}
