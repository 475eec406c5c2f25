#include <atomic>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "process_pool/find_worker_program.hpp"

// Set by CMake: the worker's directory relative to the executables' one in an installed tree.
#ifndef PIPELINE_WORKER_INSTALL_RELATIVE_DIR
#define PIPELINE_WORKER_INSTALL_RELATIVE_DIR "../libexec/pipeline"
#endif

namespace pipeline {
namespace {

namespace fs = std::filesystem;

// Constant-initialised, so a note made while the program's statics are initialised is never lost.
std::atomic<const char*> package_worker{nullptr};

bool is_executable_file(const fs::path& path) {
  std::error_code error;
  const auto status = fs::status(path, error);
  return !error && fs::is_regular_file(status) &&
         (status.permissions() & (fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec)) !=
             fs::perms::none;
}

fs::path checked(const fs::path& path, std::string_view source) {
  if (!is_executable_file(path)) {
    throw WorkerProgramNotFound(
        fmt::format("worker program '{}' (from {}) is not an executable file", path.string(), source));
  }
  return path;
}

}  // namespace

bool detail::note_package_worker_program(const char* path) noexcept {
  package_worker.store(path);
  return true;
}

fs::path find_worker_program(const std::optional<fs::path>& explicit_path) {
  if (explicit_path) return checked(*explicit_path, "ProcessPoolOptions::worker_program");
  if (const char* from_env = std::getenv("PIPELINE_WORKER"); from_env != nullptr && *from_env != '\0') {
    return checked(from_env, "the environment variable PIPELINE_WORKER");
  }

  std::vector<fs::path> candidates;
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const fs::path dir = self.parent_path();
    candidates.push_back(dir / worker_program_name);
    candidates.push_back((dir / PIPELINE_WORKER_INSTALL_RELATIVE_DIR / worker_program_name).lexically_normal());
  }
  // Never a path compiled into the library: an installed library would lead to the build tree it came from.
  if (const char* packaged = package_worker.load(); packaged != nullptr) candidates.emplace_back(packaged);
  for (const auto& candidate : candidates) {
    if (is_executable_file(candidate)) return candidate;
  }

  std::string looked;
  for (const auto& candidate : candidates) looked += fmt::format("\n  {}", candidate.string());
  throw WorkerProgramNotFound(fmt::format(
      "cannot find the worker program {}; looked at:{}{}\nInstall it, or name it with "
      "ProcessPoolOptions::worker_program (--worker-program) or the environment variable PIPELINE_WORKER.",
      worker_program_name, looked, error ? fmt::format("\n  (/proc/self/exe unreadable: {})", error.message()) : ""));
}

}  // namespace pipeline
