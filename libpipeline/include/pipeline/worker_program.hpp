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
//   5. the worker of the package this program was built against: the installed package's own (pipeline::worker,
//      in <prefix>/libexec/pipeline), or in the library's build tree the worker built there.
// Throws WorkerProgramNotFound.
[[nodiscard]] std::filesystem::path find_worker_program(const std::optional<std::filesystem::path>& explicit_path = std::nullopt);

namespace detail {
// Notes candidate 5 (see below); returns true.
bool note_package_worker_program(const char* path) noexcept;
}  // namespace detail

// Candidate 5 comes from the program's build, not the library's: a static library is copied into the program and
// cannot know where it was installed to, so the package tells each program that links it, through this
// definition (pipelineConfig.cmake: the location of pipeline::worker; in the build tree, the worker built there).
#ifdef PIPELINE_PACKAGE_WORKER_PROGRAM
namespace detail {
inline const bool package_worker_program_noted = note_package_worker_program(PIPELINE_PACKAGE_WORKER_PROGRAM);
}  // namespace detail
#endif

}  // namespace pipeline
