#pragma once
// Private to the library: where the process pool's worker program is, without the user saying so
// (ProcessPoolExecutor looks it up once per start or run).

#include <filesystem>
#include <optional>

#include "pipeline/worker_program.hpp"

namespace pipeline {

// The first of, in order:
//   1. `explicit_path` (ProcessPoolOptions::worker_program), used as given: it must exist;
//   2. the environment variable PIPELINE_WORKER, likewise;
//   3. image-pipeline-worker next to the running executable (/proc/self/exe);
//   4. the install layout relative to it: <exe dir>/../libexec/pipeline/image-pipeline-worker (the actual
//      relative path follows the CMAKE_INSTALL_BINDIR / CMAKE_INSTALL_LIBEXECDIR the library was built with);
//   5. the worker of the package this program was built against: the installed package's own (pipeline::worker,
//      in <prefix>/libexec/pipeline), or in the library's build tree the worker built there.
// Throws WorkerProgramNotFound.
[[nodiscard]] std::filesystem::path find_worker_program(
    const std::optional<std::filesystem::path>& explicit_path = std::nullopt);

}  // namespace pipeline
