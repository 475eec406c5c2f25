#pragma once
// Private to the library: one slot of the process pool: the worker process in it now, the memory it shares with
// the parent, and where their conversation stands. Slots outlive runs, since the pool keeps its workers.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "process_pool/shared_memory.hpp"
#include "process_pool/wire.hpp"
#include "process_pool/worker_channel.hpp"
#include "process_pool/worker_process.hpp"

namespace pipeline::detail {

// A task sent to the worker, not yet answered.
struct InFlight {
  std::size_t task = 0;
  double sent_at = 0.0;      // monotonic seconds when the parent began sending it (copying into the segment)
  wire::SegmentArea output;  // where its output may come back in shared memory
  Image output_image;        // in shared image memory: the image that area is, the result once written
  bool started = false;      // a file task the worker said it began (wire.hpp's file started frame)
};

struct Slot {
  // starting: launched, handshake sent, awaiting hello. configuring: chain sent, awaiting ready. idle: ready for
  // tasks. busy: tasks in flight. retired: dead or stopped, kept only until the handlers that refer to it ran.
  enum class State { starting, configuring, idle, busy, retired };

  int index = 0;
  SharedSegment segment;  // unopened with the pipe transport
  bool arena = false;     // the worker maps shared image memory (it was on when the worker started)
  std::unique_ptr<WorkerProcess> process;
  State state = State::starting;
  WorkerChannel channel;
  std::deque<InFlight> in_flight;  // in the order sent, which is the order the worker answers
  double last_answer_at = 0.0;     // when its last result arrived: a task queued behind another starts then
  double asked_at = 0.0;           // when its handshake, or this run's chain, was sent: the start-up timeout's clock
  // Fires when the worker has been silent too long (ProcessPoolOptions' timeouts). `deadline_generation` tells a
  // wait that was replaced by a later one from the current one.
  std::optional<boost::asio::steady_timer> deadline;
  std::uint64_t deadline_generation = 0;
};

}  // namespace pipeline::detail
