// A hostile worker program, run by frame_memory_test: it greets the pool properly, then sends a result header
// declaring the largest payload the pool accepts, a few bytes of it, and exits. The parent must not have made
// room for what never came.
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "process_pool/wire.hpp"
#include "worker_wire.hpp"

int main() {
  namespace wire = pipeline::wire;
  // The handshake, read whole, so the parent's write of it cannot fail and end the worker before the header.
  wire::FrameType type{};
  std::vector<std::uint8_t> payload;
  if (!pipeline::test::read_frame(type, payload)) return 3;
  pipeline::test::write_all(wire::encode_hello({wire::protocol_version, static_cast<std::int64_t>(::getpid())}));
  // A result of the pool's whole default limit (1 GiB), of which 100 bytes come.
  std::vector<std::uint8_t> lie(wire::header_bytes + 100, 0x5a);
  const std::uint64_t declared = wire::default_max_frame_bytes;
  for (int i = 0; i < 4; ++i) lie[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(wire::magic >> (8 * i));
  lie[4] = static_cast<std::uint8_t>(wire::FrameType::result);
  for (int i = 0; i < 8; ++i) lie[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(declared >> (8 * i));
  for (int i = 5; i < 8; ++i) lie[static_cast<std::size_t>(i)] = 0;
  pipeline::test::write_all(lie);  // exits with 3 if it cannot
  return 0;
}
