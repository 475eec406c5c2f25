// A hostile worker program, run by frame_memory_test: it greets the pool properly, then sends a result header
// declaring the largest payload the pool accepts, a few bytes of it, and exits. The parent must not have made
// room for what never came.
#include <unistd.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "pipeline/wire.hpp"

namespace {

bool read_exact(std::span<std::uint8_t> buffer) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = ::read(STDIN_FILENO, buffer.data() + done, buffer.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main() {
  namespace wire = pipeline::wire;
  // The handshake, read whole, so the parent's write of it cannot fail and end the worker before the header.
  std::array<std::uint8_t, wire::header_bytes> header{};
  if (!read_exact(header)) return 3;
  std::vector<std::uint8_t> payload(wire::decode_header(header).payload_bytes);
  if (!read_exact(payload)) return 3;
  if (!write_all(wire::encode_hello({wire::protocol_version, static_cast<std::int64_t>(::getpid())}))) return 3;
  // A result of the pool's whole default limit (1 GiB), of which 100 bytes come.
  std::vector<std::uint8_t> lie(wire::header_bytes + 100, 0x5a);
  const std::uint64_t declared = wire::default_max_frame_bytes;
  for (int i = 0; i < 4; ++i) lie[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(wire::magic >> (8 * i));
  lie[4] = static_cast<std::uint8_t>(wire::FrameType::result);
  for (int i = 0; i < 8; ++i) lie[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(declared >> (8 * i));
  for (int i = 5; i < 8; ++i) lie[static_cast<std::size_t>(i)] = 0;
  return write_all(lie) ? 0 : 3;
}
