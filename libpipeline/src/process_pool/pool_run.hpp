#pragma once
// Private to the library: the process pool's persistent state, and one run over it (ProcessPoolExecutor).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

// Boost 1.81's Process v2 headers need these first (see worker_process.hpp).
#include <boost/optional.hpp>
#include <boost/type_traits/decay.hpp>
#include <boost/type_traits/is_convertible.hpp>
#include <boost/asio/io_context.hpp>

#include "pipeline/executor.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "process_pool/worker_slot.hpp"

namespace pipeline::detail {

// What outlives a run: the workers. Between runs nothing is pending on `io`.
struct PoolState {
  boost::asio::io_context io;  // first member: destroyed last, after the pipes that use it
  std::vector<std::unique_ptr<Slot>> slots;  // one per worker index; null where no worker runs
  std::uint64_t runs = 0;                    // run ids for the chain frames
  bool ever_ready = false;                   // a worker of this pool has said hello: the program can be a worker
};

// The jobs of one run: images or file jobs, the chain and how to run it.
struct RunJobs {
  const FilterChain* chain = nullptr;
  std::span<const NamedImage> images;
  std::span<const FileJob> files;
  bool files_mode = false;
  FileJobOptions file_options;
  const RunOptions* options = nullptr;

  [[nodiscard]] std::size_t count() const noexcept { return files_mode ? files.size() : images.size(); }
};

// Starts the workers missing in slots [0, workers) and waits for their hello; with `jobs`, then runs them and
// fills `result` (tasks, ready_s). Throws std::runtime_error when the pool cannot work (a worker that cannot
// start, refuses its handshake or the chain, or workers that keep dying); every worker is then stopped and reaped.
void run_pool(PoolState& pool, const ProcessPoolOptions& options, const std::filesystem::path& program, int workers,
              const RunJobs* jobs, BatchResult* result);

// Closes every worker's stdin, waits up to `grace` in all for them to exit, kills the rest; reaps every one.
void stop_pool(PoolState& pool, std::chrono::milliseconds grace) noexcept;

}  // namespace pipeline::detail
