#pragma once
// The worker's end of the pipes, for the hostile worker programs of the tests, which speak the protocol (wire.hpp)
// themselves: whole frames from stdin, bytes to stdout.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "process_pool/wire.hpp"

namespace pipeline::test {

// Reads exactly `bytes` from stdin; false at its end (or on an error).
bool read_exactly(void* data, std::size_t bytes);

// One whole frame from the parent; false at the end of stdin.
bool read_frame(wire::FrameType& type, std::vector<std::uint8_t>& payload);

// Writes all of `bytes` to stdout, or exits with code 3: the parent is gone, nothing is left to do.
void write_all(const std::vector<std::uint8_t>& bytes);

}  // namespace pipeline::test
