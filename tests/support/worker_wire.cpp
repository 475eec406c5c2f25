#include "worker_wire.hpp"

#include <unistd.h>

#include <cerrno>

namespace pipeline::test {

bool read_exactly(void* data, std::size_t bytes) {
  auto* at = static_cast<std::uint8_t*>(data);
  while (bytes > 0) {
    const ssize_t n = ::read(STDIN_FILENO, at, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += n;
    bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_frame(wire::FrameType& type, std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> header(wire::header_bytes);
  if (!read_exactly(header.data(), header.size())) return false;
  const wire::FrameHeader decoded = wire::decode_header(header);
  payload.resize(decoded.payload_bytes);
  type = decoded.type;
  return read_exactly(payload.data(), payload.size());
}

void write_all(const std::vector<std::uint8_t>& bytes) {
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(3);
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace pipeline::test
