#pragma once
// The layout of a wire fuzz input, shared by the target (fuzz_wire.cpp) and the seed generator (make_seeds.cpp):
//
//   u8 mode (taken modulo mode_count), then by mode:
//     header                      u64 max frame bytes, then the bytes given to decode_header (16 when valid)
//     frame                       u64 segment bytes, u64 arena bytes (as mapped), then a whole frame for split_frame
//     task, result                u64 segment bytes, u64 arena bytes, then a payload
//     every other decoder         a payload
//   integers little-endian. The mapped sizes come from the input so the bounds checks see every edge, 2^64 - 1 too.

#include <cstdint>

namespace pipeline::fuzz {

// From handshake on, in FrameType's order: mode - handshake + 1 is the frame type.
enum class WireMode : std::uint8_t {
  header,
  frame,
  handshake,
  hello,
  error,
  task,
  result,
  chain,
  ready,
  segment,
  file_task,
  file_result,
  encoded_task,
  encoded_result,
  file_started,
};
inline constexpr std::uint8_t wire_mode_count = 15;

}  // namespace pipeline::fuzz
