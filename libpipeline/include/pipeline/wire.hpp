#pragma once
// The process pool's wire protocol: what the parent and a worker process say over the worker's stdin/stdout.
//
// Every message is a frame: a 16-byte header, then `payload_bytes` bytes of payload. All integers are
// little-endian, unsigned unless marked i (two's complement); f64 is an IEEE 754 binary64 bit pattern sent as a
// u64; text is u32 byte count + UTF-8 bytes (no terminator), at most max_text_bytes.
//
//   header   u32 magic = 0x45504950 ("PIPE" as bytes)   u32 type   u64 payload_bytes (<= the max frame size)
//
//   type 1 handshake, parent -> worker, first frame of a session:
//            u16 version   u16 reserved = 0   u32 vips concurrency   u32 vips cache max operations
//            u32 log level (spdlog's numbering)   u64 max frame size   text chain spec (FilterChain::spec())
//   type 2 hello, worker -> parent, the handshake was accepted:
//            u16 version   u16 reserved = 0   u32 reserved = 0   i64 worker pid
//   type 3 error, worker -> parent, the handshake was refused (e.g. an unknown filter): text message
//   type 4 task, parent -> worker, one image:
//            u64 task index   text image name   image
//   type 5 result, worker -> parent, the task's outcome:
//            u64 task index   i64 pid   i64 tid   i32 cpu start   i32 cpu end   f64 start_s   f64 end_s
//            text error (empty on success)   image (the empty image when the task failed)
//
//   image    u32 width   u32 height   u8 bands   u8 format (0 u8, 1 u16)   u16 reserved = 0   u64 pixel bytes,
//            then the interleaved samples (16-bit samples in host order: both ends run on one machine).
//            pixel bytes must equal width * height * bands * bytes per sample; the empty image is all zeros.
//
// A payload must be consumed exactly: a short, long or inconsistent frame, an unknown type, a bad magic, a
// size over the limits is a ProtocolError, never an out-of-bounds read or an absurd allocation.
// The functions are pure (byte buffers in and out), so the protocol is testable without processes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/image.hpp"
#include "pipeline/task.hpp"
#include "pipeline/vips.hpp"

namespace pipeline::wire {

inline constexpr std::uint32_t magic = 0x45504950;  // "PIPE" in little-endian byte order
inline constexpr std::uint16_t protocol_version = 1;
inline constexpr std::size_t header_bytes = 16;
inline constexpr std::uint32_t max_text_bytes = 64 * 1024;
// Default cap on one frame's payload: far above any photo, far below an allocation that would hurt.
inline constexpr std::uint64_t default_max_frame_bytes = std::uint64_t{1} << 30;

// A frame that breaks the protocol; what() says which field and why.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FrameType : std::uint32_t { handshake = 1, hello = 2, error = 3, task = 4, result = 5 };

[[nodiscard]] std::string_view to_string(FrameType type) noexcept;

struct FrameHeader {
  FrameType type = FrameType::error;
  std::uint64_t payload_bytes = 0;
};

struct Handshake {
  std::uint16_t version = protocol_version;
  std::string chain_spec;
  VipsSettings vips;
  int log_level = 3;  // spdlog::level::warn
  std::uint64_t max_frame_bytes = default_max_frame_bytes;
};

struct Hello {
  std::uint16_t version = protocol_version;
  std::int64_t pid = 0;
};

struct Task {
  std::uint64_t index = 0;
  std::string name;
  Image image;
};

// Only the fields a worker knows travel: pid, tid, cpu_start, cpu_end, start_s, end_s and error. The parent
// fills the rest of the record (image, worker, bytes, transfer time).
struct Result {
  std::uint64_t index = 0;
  TaskRecord record;
  Image output;
};

// Whole frames (header + payload).
[[nodiscard]] std::vector<std::uint8_t> encode_handshake(const Handshake& handshake);
[[nodiscard]] std::vector<std::uint8_t> encode_hello(const Hello& hello);
[[nodiscard]] std::vector<std::uint8_t> encode_error(std::string_view message);
[[nodiscard]] std::vector<std::uint8_t> encode_task(std::uint64_t index, std::string_view name, const Image& image);
[[nodiscard]] std::vector<std::uint8_t> encode_result(const Result& result);

// A task or result frame without its trailing samples: send these bytes, then image.bytes(), and the receiver
// sees exactly encode_task()/encode_result(). Saves copying every image once more on each side.
[[nodiscard]] std::vector<std::uint8_t> encode_task_prefix(std::uint64_t index, std::string_view name, const Image& image);
[[nodiscard]] std::vector<std::uint8_t> encode_result_prefix(const Result& result);

// The size of the frame encode_task() would produce, to check it against the limit before sending.
[[nodiscard]] std::uint64_t task_frame_bytes(std::string_view name, const Image& image) noexcept;

// `bytes` must hold exactly header_bytes. Checks the magic, the type and payload_bytes <= max_frame_bytes.
[[nodiscard]] FrameHeader decode_header(std::span<const std::uint8_t> bytes,
                                        std::uint64_t max_frame_bytes = default_max_frame_bytes);

// Payload decoders: `payload` is everything after the header.
[[nodiscard]] Handshake decode_handshake(std::span<const std::uint8_t> payload);
[[nodiscard]] Hello decode_hello(std::span<const std::uint8_t> payload);
[[nodiscard]] std::string decode_error(std::span<const std::uint8_t> payload);
[[nodiscard]] Task decode_task(std::span<const std::uint8_t> payload);
[[nodiscard]] Result decode_result(std::span<const std::uint8_t> payload);

// One whole frame in a buffer: its header decoded and its payload, which must fill the rest of `bytes` exactly.
struct FrameView {
  FrameType type;
  std::span<const std::uint8_t> payload;
};
[[nodiscard]] FrameView split_frame(std::span<const std::uint8_t> bytes,
                                    std::uint64_t max_frame_bytes = default_max_frame_bytes);

}  // namespace pipeline::wire
