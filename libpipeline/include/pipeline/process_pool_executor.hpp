#pragma once
// Worker processes: each image is sent over a pipe to the next free worker, filtered there, and sent back.
//
//   pipeline::ProcessPoolExecutor processes(4);             // finds image-pipeline-worker by itself
//   pipeline::BatchResult result = processes.run(chain, batch);
//
// Workers are separate programs (fork + exec, never a bare fork: libvips is not fork-safe once used), started
// afresh for every run() and stopped at its end: their start-up is part of the measured time. A program whose
// chains use its own filters serves as its own worker (worker.hpp):
//
//   int main(int argc, char** argv) {
//     register_my_filters();
//     if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;   // first, before anything else
//     ...
//     pipeline::ProcessPoolExecutor processes(4, pipeline::ProcessPoolOptions::self_worker());
//   }
//
// Dispatch is dynamic: the first images go out once every worker has said hello, then each worker gets the next
// image as soon as it returns one. A worker that dies (signal, exit) or breaks the protocol is logged, replaced,
// and its image retried up to max_retries times; an image that still fails is reported failed in its record and
// the batch goes on.
// run() sets SIGPIPE to ignored in this process if it was at its default (a dead worker must show as a broken
// pipe, not kill the parent).
//
// Records: pid, tid, cpu_*, start_s and end_s come from the worker (CLOCK_MONOTONIC is one clock for all
// processes), so [start_s, end_s] is the filtering alone. worker is the worker slot (0..workers-1; a replacement
// keeps its slot). bytes_sent / bytes_received count whole frames (header included) over all attempts.
// transfer_s is the parent's round trip for the successful attempt (from starting to send the image to having
// read the whole result) minus the worker's filtering time: pipe transfer both ways, (de)serialisation in the
// worker, and the wake-ups in between.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/executor.hpp"
#include "pipeline/vips.hpp"
#include "pipeline/wire.hpp"

namespace pipeline {

struct ProcessPoolOptions {
  // The worker program; unset: $PIPELINE_WORKER, else found next to this executable, in the install tree
  // (<bindir>/../libexec/pipeline) or the build tree (see find_worker_program in worker_program.hpp).
  std::optional<std::filesystem::path> worker_program;
  // Arguments the worker program is started with (self_worker() sets the worker flag).
  std::vector<std::string> worker_arguments;
  // Retries of an image whose worker died while processing it; then the image is reported failed.
  int max_retries = 1;
  // libvips settings each worker initialises itself with.
  VipsSettings vips;
  // Largest frame either side accepts; an image whose frame would be larger fails without being sent.
  std::uint64_t max_frame_bytes = wire::default_max_frame_bytes;

  // This very program as the worker (/proc/self/exe started with the worker flag): for programs that register
  // their own filters and call maybe_serve_worker() at the top of main.
  [[nodiscard]] static ProcessPoolOptions self_worker();
};

class ProcessPoolExecutor final : public Executor {
 public:
  // Throws std::invalid_argument unless workers >= 1 and max_retries >= 0.
  explicit ProcessPoolExecutor(int workers, ProcessPoolOptions options = {});
  [[nodiscard]] std::string name() const override { return "processes"; }
  [[nodiscard]] int workers() const override { return workers_; }
  [[nodiscard]] const ProcessPoolOptions& options() const noexcept { return options_; }
  // Starts min(workers, batch size) processes. Throws WorkerProgramNotFound, or std::runtime_error when a
  // worker cannot start or refuses the handshake (e.g. a filter it does not know); every child is reaped first.

 protected:
  BatchResult run_images(const FilterChain& chain, std::span<const NamedImage> batch, const RunOptions& options) override;
  BatchResult run_file_jobs(const FilterChain& chain, std::span<const FileJob> jobs, const FileJobOptions& file_options,
                            const RunOptions& options) override;


 private:
  int workers_;
  ProcessPoolOptions options_;
};

}  // namespace pipeline
