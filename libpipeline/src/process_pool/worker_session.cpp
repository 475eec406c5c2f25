#include "process_pool/worker_session.hpp"

#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "io/output_committer.hpp"
#include "process_pool/chain_cache.hpp"
#include "process_pool/task_in_place.hpp"
#include "process_pool/wire.hpp"
#include "process_pool/worker_frames.hpp"
#include "task_recording.hpp"

namespace pipeline::detail {
namespace {

// One session's state: the chain of the current run, and the segment when pixels come through shared memory.
class Session {
 public:
  Session(const ProtocolFds& fds, WorkerEnvironment& environment) : fds_(fds), environment_(environment) {}

  // Returns the exit code.
  int serve() {
    const auto first = read_frame(fds_.in, wire::default_max_frame_bytes, payload_);
    if (!first) {
      spdlog::debug("stdin closed before the handshake");
      return 0;
    }
    if (*first != wire::FrameType::handshake) {
      throw wire::ProtocolError("expected a handshake frame, got a " + std::string(wire::to_string(*first)) + " frame");
    }
    wire::Handshake handshake;
    try {
      handshake = wire::decode_handshake(payload_);
    } catch (const wire::ProtocolError& error) {
      return refuse(error.what());  // the parent hears why (an error frame), not only that we left
    }
    if (handshake.version != wire::protocol_version) {
      return refuse("the parent speaks protocol version " + std::to_string(handshake.version) +
                    ", this worker version " + std::to_string(wire::protocol_version));
    }
    environment_.set_log_level(handshake.log_level);
    max_frame_bytes_ = handshake.max_frame_bytes;
    try {
      environment_.initialize_vips(handshake.vips);
      if (handshake.transport == Transport::shared_memory) {
        segment_ = environment_.adopt_segment(handshake.segment_fd, handshake.segment_bytes);
        if (handshake.arena_fd >= 0) arena_ = environment_.adopt_arena(handshake.arena_fd, handshake.arena_bytes);
      }
    } catch (const std::exception& error) {
      return refuse(std::string("cannot set up: ") + error.what());
    }
    write_all(fds_.out, wire::encode_hello({wire::protocol_version, current_pid()}));

    // A worker allocates and frees the same image-sized buffers for every task: keep them in the heap rather
    // than fault them in afresh each time (memory.hpp). Here, not in main, so a program serving as its own
    // worker gets it.
    environment_.tune_allocator();
    while (const auto type = read_frame(fds_.in, max_frame_bytes_, payload_)) {
      switch (*type) {
        case wire::FrameType::chain: on_chain(wire::decode_chain(payload_)); break;
        case wire::FrameType::segment: on_segment(wire::decode_segment(payload_)); break;
        case wire::FrameType::task: on_task(wire::decode_task(payload_, memories().mapped())); break;
        case wire::FrameType::file_task: on_file_task(wire::decode_file_task(payload_)); break;
        default: throw wire::ProtocolError("unexpected " + std::string(wire::to_string(*type)) + " frame");
      }
    }
    drain_outputs();  // the results of file tasks whose outputs are still being flushed
    spdlog::debug("stdin closed, exiting");
    return 0;
  }

 private:
  // Tells the parent why this worker cannot serve at all, and gives the exit code.
  int refuse(const std::string& message) {
    send_in_turn(wire::encode_error(message));
    spdlog::error("{}", message);
    return 2;
  }

  void on_chain(const wire::Chain& frame) {
    if (const auto refusal = chains_.accept(frame)) {
      // The parent shows the message; this worker stays, for a chain it can build.
      send_in_turn(wire::encode_error(*refusal));
      return;
    }
    send_in_turn(wire::encode_ready(frame.run));
  }

  void on_segment(std::uint64_t bytes) {
    if (segment_.fd() < 0) throw wire::ProtocolError("a segment frame, but this session has no shared segment");
    try {
      segment_.remap(bytes);
    } catch (const std::runtime_error& error) {
      throw wire::ProtocolError(std::string("segment frame: ") + error.what());
    }
  }

  void on_task(wire::Task task) {
    wire::Result result = run_task_frame(chains_, std::move(task), memories());
    auto prefix = wire::encode_result_prefix(result);
    if (prefix.size() - wire::header_bytes + result.output.size_bytes() > max_frame_bytes_) {
      result.record.error = "the output image exceeds the maximum frame size";
      result.output = Image();
      prefix = wire::encode_result_prefix(result);
    }
    send_in_turn(prefix, result.output.bytes());
  }

  SharedMemories memories() { return {&segment_, &arena_}; }

  void on_file_task(const wire::FileTask& task) {
    const FilterChain& filters = chains_.chain();
    // The parent then knows which task a death interrupted: this one, not one whose output is being flushed.
    write_answer(wire::encode_file_started(task.index));
    const FileJob job{std::filesystem::path(task.input), std::filesystem::path(task.output)};
    UnflushedFileTask done = environment_.run_file_task(filters, job, FileJobOptions{task.output_format, task.decode},
                                                        chains_.profile_stages());
    // The result goes out once the output is flushed and renamed, so the parent never counts an output that is
    // not there; meanwhile this worker decodes the next task waiting in its stdin. Results keep the order of the
    // tasks: every one passes through the committer, with an output or without.
    if (!committer_) committer_.emplace();
    committer_->submit(std::move(done.output),
                       [this, index = task.index, record = std::move(done.record)](std::string error) mutable {
                         if (!error.empty()) record.error = std::move(error);
                         write_answer(wire::encode_file_result({index, std::move(record)}));
                       });
  }

  // Before any other frame goes out: the committer's results first.
  void drain_outputs() {
    if (committer_) committer_->drain();
  }

  // A frame of this thread's other than file started (a frame's bytes, perhaps in two parts), after those results.
  void send_in_turn(std::span<const std::uint8_t> frame, std::span<const std::uint8_t> rest = {}) {
    drain_outputs();
    write_all(fds_.out, frame);
    if (!rest.empty()) write_all(fds_.out, rest);
  }

  // The frames this thread and the committer's both send (file started, file result), one whole frame at a time.
  void write_answer(const std::vector<std::uint8_t>& frame) {
    const std::lock_guard lock(answer_mutex_);
    write_all(fds_.out, frame);
  }

  ProtocolFds fds_;
  WorkerEnvironment& environment_;
  std::vector<std::uint8_t> payload_;  // reused from frame to frame
  std::uint64_t max_frame_bytes_ = wire::default_max_frame_bytes;
  SharedSegment segment_;  // unopened (fd -1, 0 bytes) with the pipe transport
  ArenaMapping arena_;     // unmapped unless the parent has shared image memory
  ChainCache chains_;
  std::mutex answer_mutex_;
  std::optional<OutputCommitter> committer_;  // from the first file task; last, so it stops before the rest go
};

}  // namespace

int serve_session(const ProtocolFds& fds, WorkerEnvironment& environment) {
  try {
    return Session(fds, environment).serve();
  } catch (const ParentGone& error) {
    // Normal when the batch ended while this worker was still starting; the parent logs real trouble itself.
    spdlog::debug("parent gone: {}", error.what());
    return 1;
  } catch (const FrameCutOff& error) {
    // The parent never closes our stdin inside a frame unless it is giving up on us or dying: at error level,
    // which every level the parent may pass on short of "off" shows, so an exit code 1 is never unexplained.
    spdlog::error("{}; exiting with code 1", error.what());
    return 1;
  } catch (const wire::ProtocolError& error) {
    spdlog::error("protocol error from the parent: {}; exiting with code 1", error.what());
    return 1;
  } catch (const std::exception& error) {
    spdlog::error("{}; exiting with code 1", error.what());
    return 1;
  }
}

}  // namespace pipeline::detail
