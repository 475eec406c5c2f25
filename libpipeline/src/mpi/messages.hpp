#pragma once
// Private to pipeline::mpi: MPI messages between rank 0 and the worker ranks. Every message on tag_frame is one
// frame of the process pool's wire protocol (process_pool/wire.hpp); this file only moves bytes.
//
// Nobody blocks inside MPI here: Open MPI's blocking calls spin on a core, and an idle rank spinning would steal a
// core from the threads and processes measured beside it on the same machine. Waits poll with a backoff instead.

#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "mpi/doorbell.hpp"

namespace pipeline::detail::mpi {

inline constexpr int tag_frame = 1;  // a wire frame
inline constexpr int tag_stop = 2;   // empty: rank 0 is ending, the worker rank leaves
inline constexpr int tag_clock = 3;  // start-up: rank 0's ping, the rank's CLOCK_MONOTONIC back
// An image's samples, right behind the frame (tag_frame) whose header counts them: each lands where it belongs
// (the receiver's Image), and the sender sends them from where they are.
inline constexpr int tag_samples = 4;

// A frame alone up to this size (a chain, an in-place task or result) is sent out before Outbox::send returns:
// within Open MPI's eager limit that never waits for the receiver, and a doorbell rung after it finds the message
// there.
inline constexpr std::size_t eager_message_bytes = 4096;

// The largest message: MPI 3's counts are ints (Open MPI 4.1 has no large-count calls).
inline constexpr std::uint64_t max_message_bytes = 0x7fffffff;

// Throws std::runtime_error with MPI's own message when `code` is not MPI_SUCCESS.
void check(int code, const char* call);

// Sleeps between polls: short while messages keep coming, longer when a rank sits idle; with a doorbell, until it
// is rung if that comes sooner.
class Backoff {
 public:
  Backoff(std::chrono::microseconds shortest, std::chrono::microseconds longest) noexcept;
  void wait(const Doorbell* bell = nullptr) noexcept;
  void reset() noexcept { next_ = shortest_; }

 private:
  std::chrono::steady_clock::time_point spin_until_{};
  std::chrono::microseconds shortest_;
  std::chrono::microseconds longest_;
  std::chrono::microseconds next_;
};

// Sends in progress, each owning its bytes until MPI is done with them.
class Outbox {
 public:
  Outbox() = default;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;
  ~Outbox();  // waits for every send (polling)

  // Sends `frame` on tag_frame, then `tail` (if any) on tag_samples: the samples go from where they are, as one
  // contiguous message that Open MPI's shared-memory transport moves with one copy by the receiver. `tail` must
  // stay alive until the send completes: `keep_alive` is held until then. Each part is at most max_message_bytes.
  // A frame alone of up to eager_message_bytes is sent out before this returns.
  void send(int rank, std::vector<std::uint8_t> frame, std::span<const std::uint8_t> tail = {},
            std::shared_ptr<const void> keep_alive = {});
  // Completes what MPI has finished; true if anything did.
  bool progress();
  [[nodiscard]] bool empty() const noexcept { return sends_.empty(); }
  void wait_all();

 private:
  struct Send {
    MPI_Request requests[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    std::vector<std::uint8_t> frame;
    std::shared_ptr<const void> keep_alive;
  };
  std::list<Send> sends_;  // stable addresses: MPI holds pointers into them
};

struct Received {
  int source = 0;
  int tag = 0;
  std::span<const std::uint8_t> bytes;  // valid until the inbox's next receive
};

// Receives whole messages into one buffer it reuses.
class Inbox {
 public:
  // A message from `source` (MPI_ANY_SOURCE: any rank) if one has arrived, received whole; otherwise nullopt.
  std::optional<Received> try_receive(int source);
  // The samples that follow a frame from `source` whose header counts `into.size()` more bytes, received into
  // `into` (they were sent right behind it).
  void receive_samples(int source, std::span<std::uint8_t> into);
  // Polls until a message from `source` arrives (or `deadline` passes: nullopt).
  std::optional<Received> receive(
      int source, Backoff& backoff,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max(),
      const Doorbell* bell = nullptr);

 private:
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t capacity_ = 0;
};

}  // namespace pipeline::detail::mpi
