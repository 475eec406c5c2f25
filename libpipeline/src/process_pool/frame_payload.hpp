#pragma once
// Private to the library: filling a frame's payload buffer as its bytes arrive, for the worker (blocking reads)
// and the parent (Asio). A header only declares a size: a peer that declares 1 GiB and sends ten bytes must cost
// ten bytes, not a zero-filled gigabyte, so a buffer never grows ahead of the data by more than one chunk (plus
// the geometric growth of its capacity, whose pages stay untouched until read into).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/system/error_code.hpp>

namespace pipeline::detail {

// At most this much is made room for at a time: the size of the pipes (worker_process.cpp).
inline constexpr std::size_t payload_chunk_bytes = std::size_t{1} << 20;

// Where the next bytes of a `total`-byte payload go once `received` have arrived: an empty span when it is
// complete. The buffer is reused from frame to frame: its capacity stays, and bytes already sized from an earlier
// frame are overwritten rather than zero-filled again, so a steady stream of same-sized frames neither allocates
// nor clears. When it must grow, the capacity at least doubles (never past `total`), so a large payload that
// does arrive costs a few reallocations, not one per chunk.
[[nodiscard]] inline std::span<std::uint8_t> next_payload_chunk(std::vector<std::uint8_t>& buffer, std::size_t received,
                                                                std::size_t total) {
  const std::size_t chunk = std::min(total - received, payload_chunk_bytes);
  if (chunk == 0) return {};
  const std::size_t needed = received + chunk;
  if (needed > buffer.capacity()) buffer.reserve(std::min(total, std::max(needed, 2 * buffer.capacity())));
  if (needed > buffer.size()) buffer.resize(needed);
  return std::span<std::uint8_t>(buffer).subspan(received, chunk);
}

// Reads a `total`-byte payload from `stream` into `buffer` (sized to `total` when done), chunk by chunk, then
// calls handler(error_code). On an error, handler gets it, and `buffer` holds what came in its first bytes.
// The stream and buffer must outlive the operation; the handler runs on the stream's executor, and may run
// inline from the caller when `total` is 0, so call this only from a completion handler (as the parent does).
template <typename Stream, typename Handler>
void async_read_payload(Stream& stream, std::vector<std::uint8_t>& buffer, std::size_t total, Handler handler,
                        std::size_t received = 0) {
  const std::span<std::uint8_t> into = next_payload_chunk(buffer, received, total);
  if (into.empty()) {
    buffer.resize(total);  // never more than its size: no zero-fill, the capacity stays
    handler(boost::system::error_code());
    return;
  }
  // Asio's default condition moves at most 64 KiB per system call; a chunk may go in one.
  const auto whole_chunk = [](const boost::system::error_code& error, std::size_t) {
    return error ? std::size_t{0} : payload_chunk_bytes;
  };
  boost::asio::async_read(stream, boost::asio::buffer(into.data(), into.size()), whole_chunk,
                          [&stream, &buffer, total, received, handler = std::move(handler)](
                              const boost::system::error_code& error, std::size_t bytes) mutable {
                            if (error) return handler(error);
                            async_read_payload(stream, buffer, total, std::move(handler), received + bytes);
                          });
}

}  // namespace pipeline::detail
