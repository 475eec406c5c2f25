#pragma once
// The process pool's worker program: its name, the error when it is not found, and where the package's own worker
// is (noted in every program that links the library). How it is found: ProcessPoolOptions::worker_program.

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

namespace detail {
// Notes the package's worker (below), the last place the pool looks; returns true.
bool note_package_worker_program(const char* path) noexcept;
}  // namespace detail

// The package's worker comes from the program's build, not the library's: a static library is copied into the
// program and cannot know where it was installed to, so the package tells each program that links it, through this
// definition (pipelineConfig.cmake: the location of pipeline::worker; in the build tree, the worker built there).
#ifdef PIPELINE_PACKAGE_WORKER_PROGRAM
namespace detail {
inline const bool package_worker_program_noted = note_package_worker_program(PIPELINE_PACKAGE_WORKER_PROGRAM);
}  // namespace detail
#endif

}  // namespace pipeline
