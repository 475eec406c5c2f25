#pragma once
// Private to the library: a worker's frame I/O on its protocol descriptors (wire.hpp), blocking. Apart from the
// session (worker_session.hpp) so the reader, which takes whatever a parent sends, can be driven from a test or a
// fuzz target (tests/fuzz/fuzz_worker_frames.cpp) on any descriptor: a pipe, a memfd.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "process_pool/wire.hpp"

namespace pipeline::detail {

// The parent went away (closed our stdout): nothing left to report to.
class ParentGone : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Our stdin ended part way through a frame; what() says how far it got.
class FrameCutOff : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads until `buffer` is full or `fd` ends; returns the bytes read (fewer than its size only at end of file).
// Throws std::system_error on a read error.
std::size_t read_up_to(int fd, std::span<std::uint8_t> buffer);

// Writes all of `bytes`; throws ParentGone on EPIPE, std::system_error on another error.
void write_all(int fd, std::span<const std::uint8_t> bytes);

// Reads the next frame's payload into `payload` (reused from frame to frame); nullopt at a clean end of `fd`
// (between frames). Throws FrameCutOff when it ends inside a frame, wire::ProtocolError for a bad header (magic,
// type, a size over `max_frame_bytes`). The payload is made room for as it arrives (next_payload_chunk in
// frame_payload.hpp): the header's size is only the parent's word, and a cut-off frame must not have cost what it
// declared.
std::optional<wire::FrameType> read_frame(int fd, std::uint64_t max_frame_bytes, std::vector<std::uint8_t>& payload);

}  // namespace pipeline::detail
