#pragma once
// Private to the library: the process pool's persistent state, and what ProcessPoolExecutor does with it: start
// its workers, run a batch on them, stop them.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

// Boost 1.81's Process v2 headers need these first (see worker_process.hpp).
#include <boost/asio/io_context.hpp>
#include <boost/optional.hpp>
#include <boost/type_traits/decay.hpp>
#include <boost/type_traits/is_convertible.hpp>

#include "pipeline/executor.hpp"
#include "pipeline/process_pool_options.hpp"
#include "process_pool/worker_slot.hpp"

namespace pipeline::detail {

class JobSource;

// What outlives a run: the workers. Between runs nothing is pending on `io`.
struct PoolState {
  boost::asio::io_context io;                // first member: destroyed last, after the pipes that use it
  std::vector<std::unique_ptr<Slot>> slots;  // one per worker index; null where no worker runs
  std::uint64_t runs = 0;                    // run ids for the chain frames
  bool ever_ready = false;                   // a worker of this pool has said hello: the program can be a worker
};

// One run's work: its tasks, the chain and how to run it, and where the results go (tasks sized to the jobs,
// ready_s; BatchResult::in_place_tasks).
struct PoolBatch {
  const FilterChain& chain;
  const RunOptions& options;
  JobSource& jobs;
  BatchResult& result;
};

// Starts the workers missing in slots [0, workers) and waits for their hello. Throws std::runtime_error when the
// pool cannot work (a worker that cannot start or refuses its handshake, or workers that keep dying); every
// worker is then stopped and reaped.
void start_pool(PoolState& pool, const ProcessPoolOptions& options, const std::filesystem::path& program, int workers);

// Runs `batch` on slots [0, workers), starting the workers missing there. Throws as start_pool() does, and when a
// worker refuses the chain.
void run_pool(PoolState& pool, const ProcessPoolOptions& options, const std::filesystem::path& program, int workers,
              const PoolBatch& batch);

// Closes every worker's stdin, waits up to `grace` in all for them to exit, kills the rest; reaps every one.
void stop_pool(PoolState& pool, std::chrono::milliseconds grace) noexcept;

}  // namespace pipeline::detail
