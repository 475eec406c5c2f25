#pragma once
// How a ProcessPoolExecutor (process_pool_executor.hpp) runs its workers: which program, how the samples travel,
// retries and timeouts.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/vips.hpp"

namespace pipeline {

// How the process pool moves pixels between the parent and its worker processes.
enum class Transport {
  // Every image's samples go through the worker's stdin and its output back through its stdout.
  pipe,
  // Each worker shares a memory segment with the parent: the samples are copied into it and out of it, and the
  // pipes carry only small frames saying where they are.
  shared_memory,
};

// "pipe", "shm": the names the command line uses.
[[nodiscard]] std::string_view to_string(Transport transport) noexcept;

// The inverse of to_string(). Throws std::invalid_argument naming the valid transports.
[[nodiscard]] Transport parse_transport(std::string_view name);

// Default cap on one frame's payload between the parent and a worker: far above any photo, far below an
// allocation that would hurt.
inline constexpr std::uint64_t default_max_frame_bytes = std::uint64_t{1} << 30;

struct ProcessPoolOptions {
  // The worker program; unset: $PIPELINE_WORKER, else found next to this executable, in the install tree
  // (<bindir>/../libexec/pipeline), or the one of the package this program was built against: installed with the
  // library, or in its build tree (worker_program.hpp).
  std::optional<std::filesystem::path> worker_program;
  // Arguments the worker program is started with (self_worker() sets the worker flag).
  std::vector<std::string> worker_arguments;
  // Retries of an image whose worker died while processing it; then the image is reported failed.
  int max_retries = 1;
  // libvips settings each worker initialises itself with.
  VipsSettings vips;
  // false: the workers start libvips without its loadable modules (the HEIF, JPEG XL, PDF, ImageMagick and
  // OpenSlide loaders), which makes each worker's vips_init about 25 ms shorter here (2 ms instead of 25-30). For a
  // pool that runs in-memory batches only (run()), whose workers never decode a file, as the CLI's comparison does;
  // a file task (run_files()) on such a pool fails for an input that needs one of those loaders, which
  // vips_loader_is_module (image_io.hpp) tells beforehand from each FileJob's loader as plan_folder_run() set it (the
  // CLI's `run` asks it of every job); for jobs made by hand, whose loader is "", loader_is_vips_module(job.input).
  bool worker_vips_modules = true;
  // Largest frame either side accepts. With the pipe transport an image whose frame would be larger fails without
  // being sent; with shared memory only an output that comes back inline is held to it.
  std::uint64_t max_frame_bytes = default_max_frame_bytes;
  // How the samples travel between the parent and the workers.
  Transport transport = Transport::shared_memory;

  // A task (an image, or a file job) its worker has not answered within this is taken as hung: the worker is
  // killed (SIGKILL) and replaced, and the task retried like one whose worker crashed (max_retries). The clock runs
  // from when the worker could start the task. `seconds` 0: no timeout (the default; a fixed one would also cut a
  // slow but sound image). With `median_multiple` > 0 the timeout is at least that many times the median time of
  // the run's tasks so far, so a batch of large images is not cut by a deadline meant for small ones.
  struct TaskTimeout {
    double seconds = 0.0;
    double median_multiple = 0.0;
  };
  TaskTimeout task_timeout;
  // A worker that has not said hello this long after it was started, or not answered a run's chain this long after
  // it was sent, is killed: a worker program that hangs at start-up cannot hang the run.
  double start_timeout_seconds = 60.0;

  // This very program as the worker (/proc/self/exe started with the worker flag): for programs that register
  // their own filters and call maybe_serve_worker() at the top of main.
  [[nodiscard]] static ProcessPoolOptions self_worker();
};

}  // namespace pipeline
