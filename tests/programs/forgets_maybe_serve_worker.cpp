// A program that is its own process-pool worker but forgets maybe_serve_worker() at the top of main: each worker
// it starts runs this main again (tests/unserved_worker_test.cpp). One worker, so that a library that does not
// stop it grows a chain of processes, not a tree.
#include <cstdio>
#include <exception>

#include "pipeline/process_pool_executor.hpp"

int main() {
  try {
    pipeline::ProcessPoolExecutor processes(1, pipeline::ProcessPoolOptions::self_worker());
    processes.start();
    std::fprintf(stderr, "started\n");
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "start-up failed: %s\n", error.what());
    return 3;
  }
}
