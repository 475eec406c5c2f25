#pragma once
// Bytes of encoded frames, for the wire tests that take frames apart or forge their fields.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "process_pool/wire.hpp"

namespace pipeline::test {

// A frame without its header.
inline std::vector<std::uint8_t> payload_of(const std::vector<std::uint8_t>& frame) {
  return {frame.begin() + static_cast<std::ptrdiff_t>(wire::header_bytes), frame.end()};
}

// Overwrites a little-endian u32 field at `offset`.
inline void put_u32(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace pipeline::test
