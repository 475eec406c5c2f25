// A program started as its own worker that never calls maybe_serve_worker() stops at once and says why, and its
// parent's start-up fails with that message (worker.hpp, worker_parent_variable).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "pipeline/worker.hpp"
#include "test_images.hpp"

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Ended {
  bool in_time = false;
  int status = -1;
  std::string err;
};

// Runs `program` in a process group of its own, stderr into a file; kills the whole group if it has not ended
// within `limit` (a program that keeps starting itself would never end).
Ended run_with_limit(const char* program, std::chrono::seconds limit) {
  const pipeline::test::TempFolder folder;
  const auto err = folder.path() / "stderr";
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::setpgid(0, 0);
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::dup2(fd, STDERR_FILENO) < 0) ::_exit(126);
    ::execl(program, program, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  Ended ended;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(child, &status, WNOHANG) == child) {
      ended.in_time = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-child, SIGKILL);  // the program, and whatever it started
  if (!ended.in_time) ::waitpid(child, &status, 0);
  ended.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  ended.err = read_file(err);
  return ended;
}

}  // namespace

TEST_CASE("a self worker without maybe_serve_worker() fails the start-up, naming the missing call", "[self-worker]") {
  const Ended ended = run_with_limit(FORGETS_MAYBE_SERVE_WORKER, std::chrono::seconds(20));
  INFO(ended.err);
  REQUIRE(ended.in_time);
  CHECK(ended.status == 3);
  // The parent's error carries the child's message; the child said it on stderr too.
  const auto failed = ended.err.find("start-up failed: ");
  REQUIRE(failed != std::string::npos);
  const std::string parent_line = ended.err.substr(failed, ended.err.find('\n', failed) - failed);
  CHECK_THAT(parent_line, Catch::Contains("never called pipeline::maybe_serve_worker(argc, argv)"));
  CHECK_THAT(parent_line, Catch::Contains("exited with code " + std::to_string(pipeline::unserved_worker_exit_code)));
  CHECK_THAT(ended.err.substr(0, failed), Catch::Contains("never called pipeline::maybe_serve_worker(argc, argv)"));
  // The child speaks as the program it is: the user's, which must change, not this library.
  CHECK_THAT(ended.err, Catch::StartsWith("forgets_maybe_serve_worker: "));
}

TEST_CASE("the worker variable of another parent does not stop a program", "[self-worker]") {
  // As a program run by a worker inherits it: its parent is not the pool that set it.
  ::setenv(std::string(pipeline::worker_parent_variable).c_str(), "1", 1);
  const Ended ended = run_with_limit(FORGETS_MAYBE_SERVE_WORKER, std::chrono::seconds(20));
  ::unsetenv(std::string(pipeline::worker_parent_variable).c_str());
  INFO(ended.err);
  REQUIRE(ended.in_time);
  CHECK(ended.status == 3);  // its own pool's start-up fails as in the case above: the guard did not stop it first
  CHECK_THAT(ended.err, Catch::Contains("start-up failed: "));
}
