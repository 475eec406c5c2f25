#pragma once
// Private to pipeline::mpi: a frame as it arrives over MPI. Task and result frames with inline samples come in two
// messages (Outbox::send): the frame up to its samples, whose header counts the samples too, then the samples on
// tag_samples. Every other frame comes whole.

#include <cstdint>
#include <span>

#include <fmt/format.h>

#include "process_pool/wire.hpp"

namespace pipeline::detail::mpi {

struct FrameParts {
  wire::FrameType type = wire::FrameType::error;
  std::span<const std::uint8_t> payload;  // what arrived after the header
  std::uint64_t samples_follow = 0;       // bytes the header counts beyond it: the samples' message
};

[[nodiscard]] inline FrameParts split_parts(std::span<const std::uint8_t> message) {
  if (message.size() < wire::header_bytes) {
    throw wire::ProtocolError(fmt::format("a message of {} bytes, shorter than a frame header", message.size()));
  }
  const wire::FrameHeader header =
      wire::decode_header(message.first(wire::header_bytes), wire::max_handshake_frame_bytes);
  const auto payload = message.subspan(wire::header_bytes);
  if (header.payload_bytes < payload.size()) {
    throw wire::ProtocolError(fmt::format("a {} frame of {} payload bytes in a message of {}",
                                          wire::to_string(header.type), header.payload_bytes, payload.size()));
  }
  const std::uint64_t follow = header.payload_bytes - payload.size();
  if (follow > 0 && header.type != wire::FrameType::task && header.type != wire::FrameType::result) {
    throw wire::ProtocolError(fmt::format("a {} frame cut short", wire::to_string(header.type)));
  }
  return {header.type, payload, follow};
}

}  // namespace pipeline::detail::mpi
