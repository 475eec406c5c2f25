#pragma once
// Running the built CLI from a test as a user would: output captured through pipes, or at a pseudo-terminal as in
// a person's shell (for what only a terminal gets, like progress bars).
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "folders.hpp"  // files_in, outputs_in: what a run left in OUT_DIR
#include "test_images.hpp"

namespace pipeline::test {

struct Outcome {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// A path as one shell word (the tests' paths hold no quote).
inline std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A file of /proc/<pid>/, or "" if the process is gone: a process may end between being listed and being read,
// and its files then read as an error (ESRCH), which libstdc++'s filebuf throws rather than reports.
inline std::string read_proc_file(const std::filesystem::path& path) {
  std::string text;
  if (std::FILE* file = std::fopen(path.c_str(), "r")) {
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    std::fclose(file);
  }
  return text;
}

// The processes whose parent is `parent` (from /proc: this machine's, not portable, as the tests' subject is).
inline std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code error;
  for (std::filesystem::directory_iterator it("/proc", error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_proc_file(it->path() / "stat");
    const auto after_name = stat.rfind(')');
    if (after_name == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    if (std::sscanf(stat.c_str() + after_name + 1, " %c %d", &state, &ppid) == 2 && ppid == parent) {
      children.push_back(static_cast<pid_t>(std::stoi(name)));
    }
  }
  return children;
}

// In a forked child: becomes the CLI with `arguments`; exits 127 if it cannot.
[[noreturn]] inline void exec_cli(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(IMAGE_PIPELINE_CLI));
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  ::execv(IMAGE_PIPELINE_CLI, argv.data());
  ::_exit(127);
}

// Runs the CLI with stdout and stderr each captured apart (neither is a terminal).
inline Outcome run_cli(const std::string& arguments) {
  const pipeline::test::TempFolder capture;
  const std::filesystem::path err = capture.path() / "stderr";
  const std::string command = std::string("'") + IMAGE_PIPELINE_CLI + "' " + arguments + " 2>'" + err.string() + "'";
  Outcome outcome;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) outcome.out.append(buffer, n);
  const int status = ::pclose(pipe);
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.err = read_file(err);
  return outcome;
}

// Runs the CLI with a pseudo-terminal as its stdin, stdout and stderr, as in a person's shell; returns all it wrote.
inline Outcome run_cli_at_terminal(const std::vector<std::string>& arguments) {
  int terminal = -1;
  winsize size{};
  size.ws_col = 100;
  size.ws_row = 30;
  const pid_t child = ::forkpty(&terminal, nullptr, nullptr, &size);
  REQUIRE(child >= 0);
  if (child == 0) {
    exec_cli(arguments);
  }
  Outcome outcome;
  char buffer[4096];
  while (true) {
    pollfd ready{terminal, POLLIN, 0};
    if (::poll(&ready, 1, 120'000) <= 0) break;  // a hung child fails the checks below instead of the test run
    const ssize_t n = ::read(terminal, buffer, sizeof(buffer));
    if (n <= 0) break;  // EIO once the child has exited and the terminal has no writer left
    outcome.out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(terminal);
  int status = 0;
  if (::waitpid(child, &status, WNOHANG) == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

// Starts the CLI in a session (and process group) of its own, stdout and stderr into files, and returns at once:
// a test can then signal the whole group as a terminal's Ctrl-C does (kill(-pid, SIGINT)), worker processes too.
inline pid_t spawn_cli_in_own_session(const std::vector<std::string>& arguments, const std::filesystem::path& out,
                                      const std::filesystem::path& err) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::setsid();
    std::FILE* out_file = std::freopen(out.c_str(), "w", stdout);
    std::FILE* err_file = std::freopen(err.c_str(), "w", stderr);
    if (out_file == nullptr || err_file == nullptr) ::_exit(126);
    exec_cli(arguments);
  }
  return child;
}

}  // namespace pipeline::test
