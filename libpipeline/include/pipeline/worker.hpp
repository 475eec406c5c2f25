#pragma once
// The worker side of the process pool: serves its wire protocol on stdin/stdout.
//
// image-pipeline-worker is `return pipeline::serve_worker(argc, argv);`. A program with filters of its own
// serves as its own worker with one call at the very top of main, after registering its filters, and
// ProcessPoolOptions::self_worker() makes the pool start this program (examples/process_pool.cpp).

#include <optional>
#include <string_view>

#include "pipeline/worker_environment.hpp"  // worker_parent_variable, unserved_worker_exit_code

namespace pipeline {

// The argument that makes maybe_serve_worker() serve: the pool starts a self worker as `<program> --pipeline-worker`.
inline constexpr std::string_view worker_flag = "--pipeline-worker";

// Serves one session of the wire protocol: reads the handshake, initialises libvips with its settings and maps the
// shared segment it inherited if the handshake names one, then serves runs until stdin closes: each run's chain is
// rebuilt from its spec (so the filters must be registered before; the last one is kept while the spec stays the
// same), then images are filtered, or file jobs decoded, filtered and written (run_file_task), one at a time.
// Frames only on stdout (fd 1 is pointed at stderr while serving, so a stray print cannot corrupt the stream);
// logs to stderr. Returns the process exit code: 0 when stdin closed between frames, non-zero after a refused
// handshake, a malformed frame or a lost parent. argv may hold worker_flag; other arguments are a usage error.
[[nodiscard]] int serve_worker(int argc, char** argv);

// If argv[1] is worker_flag: serves (serve_worker) and returns its exit code, which main should return.
// Otherwise returns nullopt at once and the program goes on as usual.
[[nodiscard]] std::optional<int> maybe_serve_worker(int argc, char** argv);

}  // namespace pipeline
