#pragma once
// Private to pipeline::mpi: rank 0's side of a run. Sends each worker rank the run's chain, then keeps up to two
// tasks in flight per rank (the next sent as one comes back), fills each record with where and when it ran, and
// returns the results in input order. What a task is (an image, or a file's bytes) is a RankJobs.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mpi/frame_parts.hpp"
#include "mpi/messages.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/mpi/mpi_options.hpp"
#include "pipeline/mpi/mpi_rank.hpp"
#include "process_pool/wire.hpp"

namespace pipeline::detail::mpi {

// One task as messages: its frame, then `tail` (an image's samples, sent from where they are, alive through the run).
// A task that cannot be sent (an unreadable input file, too large a message) has `error` instead.
struct TaskMessage {
  std::vector<std::uint8_t> frame;
  std::span<const std::uint8_t> tail;
  std::string error;
};

class RankJobs {
 public:
  virtual ~RankJobs() = default;
  [[nodiscard]] virtual std::size_t size() const = 0;
  [[nodiscard]] virtual std::string name_of(std::size_t i) const = 0;
  // The order tasks are handed out in.
  [[nodiscard]] virtual std::vector<std::size_t> order() const = 0;
  // Task i for a rank; `maps_images`: the rank maps rank 0's shared image memory (shared_images.hpp).
  [[nodiscard]] virtual TaskMessage message(std::size_t i, bool maps_images) = 0;
  [[nodiscard]] virtual wire::FrameType result_type() const = 0;
  // Decodes a result frame from rank `source` into `result` (the output, or the written file); returns its task
  // index and record (the rank's fields). Samples that follow it are received from `inbox`. Throws
  // wire::ProtocolError.
  virtual std::pair<std::uint64_t, TaskRecord> accept(const FrameParts& frame, Inbox& inbox, int source,
                                                      BatchResult& result) = 0;
};

// Sends the handshake (libvips settings, log level) to `ranks` and waits for their hellos. Throws
// std::runtime_error with a rank's own reason.
void start_ranks(std::span<const MpiRank> ranks, const MpiOptions& options);

// A worker rank as a run sees it.
struct RunRank {
  MpiRank rank;
  bool maps_images = false;                // it maps rank 0's shared image memory
  const DoorbellRinger* ringer = nullptr;  // its doorbell, rung after each send to it (same_host.hpp)
  // It rings rank 0's doorbell after each send, and its messages are small (images in place): rank 0 may sleep
  // until rung.
  bool rings_root = false;
};

// Runs every job of `jobs` on `ranks`, sleeping between polls until `bell` (if any) rings. Throws
// std::runtime_error when a rank refuses the chain.
[[nodiscard]] BatchResult run_on_ranks(RankJobs& jobs, const FilterChain& chain, std::span<const RunRank> ranks,
                                       const Doorbell* bell, const MpiOptions& options, const RunOptions& run_options);

}  // namespace pipeline::detail::mpi
