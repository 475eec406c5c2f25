#pragma once
// Private to the library: one worker session of the process pool's protocol (wire.hpp) on a pair of descriptors,
// from the handshake to the end of stdin: every frame read (worker_frames.hpp), decoded and dispatched, chains
// built, tasks and file tasks run and answered. What a session does to the process around it, beyond reading and
// writing frames, goes through a WorkerEnvironment: serve_worker (worker.cpp) lets it act on the process, and the
// fuzz target tests/fuzz/fuzz_worker_frames.cpp keeps it to a sandbox, so the whole path a hostile parent can
// reach runs in-process there.

#include <cstdint>

#include "io/file_task.hpp"
#include "pipeline/file_job.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/vips.hpp"
#include "process_pool/shared_arena.hpp"
#include "process_pool/shared_memory.hpp"

namespace pipeline::detail {

// The protocol's descriptors: frames come in on `in` and go out on `out`. The session does not close them.
struct ProtocolFds {
  int in = -1;
  int out = -1;
};

// The effects of a session on its process, each acting on what a handshake or a frame said (already decoded and
// checked by wire.hpp). A member may throw std::exception where noted: the session then answers as it would for
// any failure there.
class WorkerEnvironment {
 public:
  WorkerEnvironment() = default;
  WorkerEnvironment(const WorkerEnvironment&) = delete;
  WorkerEnvironment& operator=(const WorkerEnvironment&) = delete;
  virtual ~WorkerEnvironment() = default;

  // An accepted handshake's log level (spdlog's numbering, 0..6).
  virtual void set_log_level(int level) = 0;
  // An accepted handshake's libvips settings. May throw: the handshake is refused.
  virtual void initialize_vips(const VipsSettings& settings) = 0;
  // Shared memory: the inherited descriptor the handshake numbers `fd`, `bytes` of it mapped (SharedSegment::adopt).
  // May throw: the handshake is refused.
  virtual SharedSegment adopt_segment(int fd, std::uint64_t bytes) = 0;
  // Shared image memory likewise (ArenaMapping::adopt). May throw: the handshake is refused.
  virtual ArenaMapping adopt_arena(int fd, std::uint64_t capacity) = 0;
  // Once, after hello, before the first task (tune_allocator_for_images).
  virtual void tune_allocator() = 0;
  // A file task on the paths the frame gave (run_unflushed_file_task: the session commits the output). Must not
  // throw: a failure is the record's error.
  virtual UnflushedFileTask run_file_task(const FilterChain& chain, const FileJob& job, const FileJobOptions& options,
                                          bool profile_stages) = 0;
};

// Serves one session on `fds` and returns the worker's exit code: 0 when `in` closed between frames (or before
// the handshake), 2 after a refused handshake (the parent was sent an error frame saying why), 1 after a frame cut
// off, a malformed or unexpected frame, a lost parent or another error, each logged at error level but a lost
// parent (debug: the parent logs real trouble itself). Exceptions other than std::exception pass through.
[[nodiscard]] int serve_session(const ProtocolFds& fds, WorkerEnvironment& environment);

}  // namespace pipeline::detail
