#pragma once
// Private to pipeline::mpi: a wake-up between two processes of one host, beside MPI.
//
// Open MPI's blocking calls spin a core, so a process waiting for a message polls with a backoff, and hears of it
// up to one backoff late (measured: 1-2 ms per result at rank 0 on a busy 2-core machine, 16-20% of the task time).
// A doorbell lets it sleep in poll(2) until the sender rings it, right after the send, the way the process pool's
// parent sleeps until a worker's pipe is readable. Each waiter owns a pipe (not an eventfd, which /proc does not
// reopen); a ringer opens it through /proc/<waiter's pid>/fd/<n> (peer_file.hpp) and writes a byte. A ring only
// shortens a sleep: every wait still has its timeout, so a ring lost or never sent (a rank on another host) costs
// latency, never correctness.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "mpi/peer_file.hpp"

namespace pipeline::detail::mpi {

// The waiter's side.
class Doorbell {
 public:
  Doorbell();  // throws std::system_error
  ~Doorbell();
  Doorbell(Doorbell&& other) noexcept;
  Doorbell& operator=(Doorbell&& other) noexcept;
  Doorbell(const Doorbell&) = delete;
  Doorbell& operator=(const Doorbell&) = delete;

  // What a ringer opens.
  [[nodiscard]] PeerFile address() const;
  // Sleeps until rung or `timeout` passes, and clears the rings. True when rung.
  bool wait(std::chrono::microseconds timeout) const noexcept;

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;  // kept open, so the pipe always has a writer and never reads as ended
};

// The ringer's side: another process's doorbell.
class DoorbellRinger {
 public:
  // Opens process `pid`'s doorbell at `address`; nothing when it cannot (`why` says why).
  [[nodiscard]] static std::optional<DoorbellRinger> open(std::int64_t pid, const PeerFile& address, std::string& why);
  DoorbellRinger(DoorbellRinger&& other) noexcept;
  DoorbellRinger& operator=(DoorbellRinger&& other) noexcept;
  DoorbellRinger(const DoorbellRinger&) = delete;
  DoorbellRinger& operator=(const DoorbellRinger&) = delete;
  ~DoorbellRinger();

  void ring() const noexcept;

 private:
  explicit DoorbellRinger(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace pipeline::detail::mpi
