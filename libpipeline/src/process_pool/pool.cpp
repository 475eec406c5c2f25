#include "process_pool/pool.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "process_pool/pool_run.hpp"

namespace pipeline::detail {
namespace {

void make_slots(PoolState& pool, int workers) {
  if (pool.slots.size() < static_cast<std::size_t>(workers)) pool.slots.resize(static_cast<std::size_t>(workers));
}

}  // namespace

void start_pool(PoolState& pool, const ProcessPoolOptions& options, const std::filesystem::path& program, int workers) {
  make_slots(pool, workers);
  PoolRun(pool, options, program, workers, nullptr).run();
}

void run_pool(PoolState& pool, const ProcessPoolOptions& options, const std::filesystem::path& program, int workers,
              const PoolBatch& batch) {
  make_slots(pool, workers);
  PoolRun(pool, options, program, workers, &batch).run();
}

void stop_pool(PoolState& pool, std::chrono::milliseconds grace) noexcept {
  // All stdins closed first, so the workers exit in parallel; then one deadline for all of them.
  for (auto& slot : pool.slots) {
    if (slot) slot->process->close_input();
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto& slot : pool.slots) {
    if (!slot) continue;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const Ending ending = slot->process->reap(std::max(left, std::chrono::milliseconds(0)));
    if (ending.killed_by_parent || ending.description != "exited with code 0") {
      spdlog::warn("worker {} (slot {}) {} at shutdown{}", slot->process->pid(), slot->index, ending.description,
                   ending.killed_by_parent ? " (it did not exit when its stdin closed)" : "");
    }
    slot->process->close_pipes();
  }
  pool.slots.clear();
}

}  // namespace pipeline::detail
