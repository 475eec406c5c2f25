#include "process_pool/worker_channel.hpp"

#include <algorithm>

#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "process_pool/worker_slot.hpp"

namespace pipeline::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Asio's own completion conditions move at most 64 KiB per system call; the pipes hold 1 MiB (worker_process.cpp),
// so an image goes over in a few calls instead of a hundred.
std::size_t in_large_chunks(const error_code& error, std::size_t) { return error ? 0 : std::size_t{1} << 20; }

std::string read_failure(const error_code& error) {
  return error == asio::error::eof ? "closed its stdout" : "its stdout failed (" + error.message() + ")";
}

}  // namespace

// One write at a time per worker, in order: frames never interleave on its stdin. Frames queued meanwhile go
// together in the next write.
void WorkerChannel::send(Slot& s, ChannelEvents& events, OutgoingFrame frame, bool corked) {
  outgoing_.push_back(std::move(frame));
  if (!corked && writing_ == 0) write_next(s, events);
}

void WorkerChannel::flush(Slot& s, ChannelEvents& events) {
  if (writing_ == 0 && !outgoing_.empty()) write_next(s, events);
}

// Writes every queued frame in one gathered write: one system call, and one wake-up of the worker, for a run's
// chain and first tasks.
void WorkerChannel::write_next(Slot& s, ChannelEvents& events) {
  writing_ = outgoing_.size();
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(2 * writing_);
  for (const OutgoingFrame& frame : outgoing_) {
    buffers.push_back(asio::buffer(frame.bytes));
    if (!frame.trailing.empty()) buffers.push_back(asio::buffer(frame.trailing.data(), frame.trailing.size()));
  }
  asio::async_write(s.process->input(), buffers, in_large_chunks,
                    [this, &s, &events](const error_code& error, std::size_t written) {
                      for (; writing_ > 0; --writing_) {
                        const OutgoingFrame done = std::move(outgoing_.front());
                        outgoing_.pop_front();
                        const std::size_t bytes = std::min(written, done.bytes.size() + done.trailing.size());
                        written -= bytes;
                        if (done.task) events.task_bytes_written(*done.task, bytes);
                      }
                      if (s.state == Slot::State::retired) return;
                      if (error) return events.channel_failed(s, "its stdin broke (" + error.message() + ")", false);
                      if (!outgoing_.empty()) write_next(s, events);
                    });
}

void WorkerChannel::read(Slot& s, ChannelEvents& events, std::uint64_t max_frame_bytes) {
  asio::async_read(
      s.process->output(), asio::buffer(header_),
      [this, &s, &events, max_frame_bytes](const error_code& error, std::size_t) {
        if (s.state == Slot::State::retired || (events.finishing() && error == asio::error::operation_aborted)) return;
        if (error) return events.channel_failed(s, read_failure(error), false);
        wire::FrameHeader header;
        try {
          header = wire::decode_header(header_, max_frame_bytes);
        } catch (const wire::ProtocolError& bad) {
          return events.channel_failed(s, bad.what(), true);
        }
        // Filled as the bytes arrive, never sized up front: the header's size is only the worker's word.
        s.process->async_read_payload(
            payload_, header.payload_bytes,
            [this, &s, &events, max_frame_bytes, type = header.type](const error_code& error) {
              if (s.state == Slot::State::retired) return;
              if (error) return events.channel_failed(s, read_failure(error), false);
              try {
                events.frame_arrived(s, type);
              } catch (const wire::ProtocolError& bad) {
                return events.channel_failed(s, bad.what(), true);
              }
              if (s.state != Slot::State::retired && !events.finishing()) read(s, events, max_frame_bytes);
            });
      });
}

}  // namespace pipeline::detail
