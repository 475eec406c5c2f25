#pragma once
// Where the process pool's worker program is, without the user saying so.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace pipeline {

// The worker program's file name, as installed in <prefix>/libexec/pipeline/ and built in the build tree.
inline constexpr std::string_view worker_program_name = "image-pipeline-worker";

// No worker program was found; what() lists every place looked at.
class WorkerProgramNotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The first of, in order:
//   1. `explicit_path` (ProcessPoolOptions::worker_program), used as given: it must exist;
//   2. the environment variable PIPELINE_WORKER, likewise;
//   3. image-pipeline-worker next to the running executable (/proc/self/exe);
//   4. the install layout relative to it: <exe dir>/../libexec/pipeline/image-pipeline-worker (the actual
//      relative path follows the CMAKE_INSTALL_BINDIR / CMAKE_INSTALL_LIBEXECDIR the library was built with);
//   5. the worker built with this library in its build tree, if this library was built with the apps.
// Throws WorkerProgramNotFound.
[[nodiscard]] std::filesystem::path find_worker_program(const std::optional<std::filesystem::path>& explicit_path = std::nullopt);

}  // namespace pipeline
