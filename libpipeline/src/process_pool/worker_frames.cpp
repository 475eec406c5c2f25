#include "process_pool/worker_frames.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "process_pool/frame_payload.hpp"

namespace pipeline::detail {

std::size_t read_up_to(int fd, std::span<std::uint8_t> buffer) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.data() + done, buffer.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "reading stdin");
    }
  }
  return done;
}

void write_all(int fd, std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
    } else if (errno == EPIPE) {
      throw ParentGone("stdout closed by the parent");
    } else if (errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "writing stdout");
    }
  }
}

std::optional<wire::FrameType> read_frame(int fd, std::uint64_t max_frame_bytes, std::vector<std::uint8_t>& payload) {
  std::array<std::uint8_t, wire::header_bytes> header_bytes{};
  const std::size_t got = read_up_to(fd, header_bytes);
  if (got == 0) return std::nullopt;
  if (got < header_bytes.size()) {
    throw FrameCutOff(fmt::format("stdin closed after {} of the {} bytes of a frame header", got, header_bytes.size()));
  }
  const wire::FrameHeader header = wire::decode_header(header_bytes, max_frame_bytes);
  const auto total = static_cast<std::size_t>(header.payload_bytes);
  std::size_t received = 0;
  for (auto into = next_payload_chunk(payload, received, total); !into.empty();
       into = next_payload_chunk(payload, received, total)) {
    const std::size_t n = read_up_to(fd, into);
    received += n;
    if (n < into.size()) {
      throw FrameCutOff(fmt::format("stdin closed after {} of the {} payload bytes of a {} frame", received, total,
                                    wire::to_string(header.type)));
    }
  }
  payload.resize(total);
  return header.type;
}

}  // namespace pipeline::detail
