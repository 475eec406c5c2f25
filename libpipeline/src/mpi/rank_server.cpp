// A worker rank: the process pool's worker session (process_pool/worker_session.cpp) over MPI messages instead of
// pipes: libvips settings (handshake), chains, images (task) and encoded files (encoded task), each answered.
#include <mpi.h>

#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "io/encoded_task.hpp"
#include "mpi/frame_parts.hpp"
#include "mpi/messages.hpp"
#include "mpi/same_host.hpp"
#include "mpi/world.hpp"
#include "pipeline/memory.hpp"
#include "pipeline/vips.hpp"
#include "process_pool/chain_cache.hpp"
#include "process_pool/task_in_place.hpp"
#include "process_pool/wire.hpp"
#include "task_recording.hpp"

namespace pipeline::detail::mpi {
namespace {

class RankSession {
 public:
  explicit RankSession(const World& world) : world_(world), across_network_(world.host != world.root_host) {}

  // Returns at tag_stop.
  void serve() {
    // Short sleeps while frames keep coming; an idle rank (other paradigms being measured) wakes every 2 ms at most.
    Backoff backoff(std::chrono::microseconds(10), std::chrono::microseconds(2000));
    while (true) {
      outbox_.progress();
      const auto received = inbox_.try_receive(0);
      if (!received) {
        backoff.wait(&links_.bell);
        continue;
      }
      backoff.reset();
      if (received->tag == tag_stop) break;
      if (received->tag == tag_same_host) {
        accept_same_host(received->bytes, world_.root_pid, links_);
        continue;
      }
      if (received->tag != tag_frame) throw wire::ProtocolError(fmt::format("unexpected MPI tag {}", received->tag));
      on_frame(split_parts(received->bytes));
    }
    outbox_.wait_all();
  }

 private:
  void on_frame(const FrameParts& frame) {
    if (frame.samples_follow > 0) {  // a task whose samples come in the next message, into the image itself
      wire::Task task = wire::decode_task_prefix(frame.payload, frame.samples_follow);
      inbox_.receive_samples(0, task.image.bytes());
      on_task(std::move(task));
      return;
    }
    switch (frame.type) {
      case wire::FrameType::handshake: on_handshake(wire::decode_handshake(frame.payload)); break;
      case wire::FrameType::chain: on_chain(wire::decode_chain(frame.payload)); break;
      case wire::FrameType::task: on_task(wire::decode_task(frame.payload, memories().mapped())); break;
      case wire::FrameType::encoded_task: on_encoded_task(wire::decode_encoded_task(frame.payload)); break;
      default: throw wire::ProtocolError("unexpected " + std::string(wire::to_string(frame.type)) + " frame");
    }
  }

  void on_handshake(const wire::Handshake& handshake) {
    if (handshake.version != wire::protocol_version) {
      throw wire::ProtocolError(fmt::format("rank 0 speaks protocol version {}, this rank version {}",
                                            handshake.version, wire::protocol_version));
    }
    spdlog::set_level(static_cast<spdlog::level::level_enum>(handshake.log_level));
    try {
      initialize_vips(handshake.vips);
    } catch (const std::exception& error) {
      send_to_root(wire::encode_error(std::string("cannot start libvips: ") + error.what()));
      return;
    }
    if (!allocator_tuned_) tune_allocator_for_images();  // as a process-pool worker does (memory.hpp)
    allocator_tuned_ = true;
    send_to_root(wire::encode_hello({wire::protocol_version, current_pid()}));
  }

  void on_chain(const wire::Chain& frame) {
    chain_refused_ = false;
    if (const auto refusal = chains_.accept(frame)) {
      // Most likely a filter this program does not register on its ranks: rank 0 says so, and expects nothing for
      // the tasks it sent behind the chain (they are ignored until the next chain).
      chain_refused_ = true;
      send_to_root(wire::encode_error(*refusal));
      return;
    }
    send_to_root(wire::encode_ready(frame.run));
  }

  SharedMemories memories() { return {nullptr, links_.images ? &*links_.images : nullptr}; }

  // Every frame to rank 0 goes through here, and rank 0 is rung (where it has a doorbell open to this rank) once
  // MPI has the message in hand: a frame alone is sent at once (Outbox::send); over the network the whole message
  // is seen out before the next task (deliver_before_work).
  void send_to_root(std::vector<std::uint8_t> frame, std::span<const std::uint8_t> tail = {},
                    std::shared_ptr<const void> keep_alive = {}) {
    outbox_.send(0, std::move(frame), tail, std::move(keep_alive));
    outbox_.progress();
    if (links_.root) links_.root->ring();
    if (across_network_) deliver_before_work();
  }

  void on_task(wire::Task task) {
    if (chain_refused_) return;
    wire::Result result = run_task_frame(chains_, std::move(task), memories());
    if (result.output.size_bytes() + 4096 > max_message_bytes) {
      result.record.error = "the output image is too large for one MPI message (2 GiB)";
      result.output = Image();
    }
    std::vector<std::uint8_t> prefix = wire::encode_result_prefix(result);
    // The samples (if not written in place) go from the output image itself, which lives until MPI has sent them.
    auto output = std::make_shared<const Image>(std::move(result.output));
    send_to_root(std::move(prefix), output->bytes(), output);
  }

  void on_encoded_task(const wire::EncodedTask& task) {
    if (chain_refused_) return;
    EncodedTaskResult done =
        run_encoded_task(chains_.chain(), task.name, task.file, FileJobOptions{task.output_format, task.decode, 0}, 0,
                         chains_.profile_stages());
    if (done.output_file.size() + 4096 > max_message_bytes) {
      done.record.error = "the output PNG is too large for one MPI message (2 GiB)";
      done.output_file.clear();
    }
    send_to_root(wire::encode_encoded_result({task.index, std::move(done.record), done.output_file}));
  }

  // Over the network (TCP), a message moves only while its sender is inside MPI: a result left to go while the
  // next image is filtered would reach rank 0 a whole task late (measured: mpi x2 at 0.96x sequential across two
  // hosts). So there the result is sent out whole first. On rank 0's host the receiver pulls it by itself.
  void deliver_before_work() {
    Backoff backoff(std::chrono::microseconds(5), std::chrono::microseconds(50));
    while (!outbox_.empty()) {
      if (!outbox_.progress()) backoff.wait();
    }
  }

  const World& world_;
  bool across_network_;
  Inbox inbox_;
  Outbox outbox_;
  ChainCache chains_;
  RankLinks links_;  // what it shares with rank 0 on the same host
  bool allocator_tuned_ = false;
  bool chain_refused_ = false;  // the last chain could not be built: its run's tasks are ignored
};

}  // namespace

int serve_rank(const World& world) {
  try {
    RankSession(world).serve();
    return 0;
  } catch (const std::exception& error) {
    // Rank 0 waits for this rank's answers: only ending the job frees it.
    spdlog::critical("MPI rank {} on {}: {}; aborting the job", world.rank, world.host, error.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}

}  // namespace pipeline::detail::mpi
