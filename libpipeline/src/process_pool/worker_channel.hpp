#pragma once
// Private to the library: the frames between the parent and one worker (pool_run), over the worker's pipes.
// Writes go one at a time, in order, each gathering every frame queued meanwhile; one read is always outstanding,
// so a worker's death is seen at once, busy or idle. What the frames mean is the run's business (ChannelEvents).

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "process_pool/wire.hpp"

namespace pipeline::detail {

struct Slot;

// A frame waiting for the worker's stdin.
struct OutgoingFrame {
  std::vector<std::uint8_t> bytes;
  std::span<const std::uint8_t> trailing;  // samples written straight from the batch after `bytes` (pipe transport)
  std::optional<std::size_t> task;         // the task these bytes are for, counted in its TaskRecord::bytes_sent
};

// What a channel tells the run, from the io_context's thread. None is called for a retired slot.
class ChannelEvents {
 public:
  // A whole frame of `type` arrived; its payload is the slot channel's payload(). Throws wire::ProtocolError.
  virtual void frame_arrived(Slot& s, wire::FrameType type) = 0;
  // The pipes failed (`protocol` false: end of file or an error) or the worker sent a malformed frame.
  virtual void channel_failed(Slot& s, const std::string& what, bool protocol) = 0;
  // `bytes` of a frame for `task` went into the worker's stdin.
  virtual void task_bytes_written(std::size_t task, std::uint64_t bytes) = 0;
  // The run is ending: no new read is started, and a cancelled one is no failure.
  [[nodiscard]] virtual bool finishing() const noexcept = 0;

 protected:
  ~ChannelEvents() = default;
};

class WorkerChannel {
 public:
  // Queues `frame`; writes it now unless `corked` (then flush() writes the queue) or a write is under way.
  void send(Slot& s, ChannelEvents& events, OutgoingFrame frame, bool corked);
  // Writes what is queued, if no write is under way.
  void flush(Slot& s, ChannelEvents& events);
  // Reads the next frame (at most `max_frame_bytes` of payload) and then the next, until the slot is retired,
  // the pipe fails or the run finishes.
  void read(Slot& s, ChannelEvents& events, std::uint64_t max_frame_bytes);

  [[nodiscard]] std::span<const std::uint8_t> payload() const noexcept { return payload_; }

 private:
  void write_next(Slot& s, ChannelEvents& events);

  std::array<std::uint8_t, wire::header_bytes> header_{};
  std::vector<std::uint8_t> payload_;  // the frame being read, reused from frame to frame
  std::deque<OutgoingFrame>
      outgoing_;  // in order; the front `writing_` are being written (a deque keeps them in place)
  std::size_t writing_ = 0;
};

}  // namespace pipeline::detail
