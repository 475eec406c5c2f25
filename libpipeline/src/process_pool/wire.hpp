#pragma once
// Private to the library (tests include it through a private include path). The process pool's wire protocol,
// version 6: what the parent and a worker process say over the worker's stdin/stdout, and where the pixels are
// when they travel through shared memory instead: the worker's own segment, or shared image memory
// (shared_image_memory.hpp), where images stay where they are.
//
// Every message is a frame: a 16-byte header, then `payload_bytes` bytes of payload. All integers are
// little-endian, unsigned unless marked i (two's complement); f64 is an IEEE 754 binary64 bit pattern sent as a
// u64; text is u32 byte count + bytes (UTF-8, or a path's native bytes; no terminator), at most max_text_bytes.
//
//   header   u32 magic = 0x45504950 ("PIPE" as bytes)   u32 type   u64 payload_bytes (<= the max frame size)
//
// A session: handshake, hello; then any number of runs, each a chain frame answered by ready (or error), then
// tasks or file tasks, each answered by its result, in order: the worker handles one frame at a time, in the
// order they came, so the parent may send the next task before the previous result is back. The session ends
// when the parent closes the worker's stdin between frames; the worker then exits with code 0.
//
//   type 1  handshake, parent -> worker, first frame of a session:
//             u16 version   u16 reserved = 0   u32 vips concurrency (>= 1)   u32 vips cache max operations
//             u32 log level (spdlog's numbering, 0..6)   u64 max frame size (16..max_handshake_frame_bytes)
//             u8 transport (0 pipe, 1 shared memory)   u8 reserved = 0   u16 reserved = 0
//             i32 segment fd   u64 segment bytes   i32 arena fd   u64 arena bytes
//             With shared memory, the segment is a file descriptor the worker inherited under number `segment fd`
//             (> 2), currently `segment bytes` long (0: nothing to map yet); with the pipe, -1 and 0. Shared image
//             memory, when the parent has it, is inherited under `arena fd` (> 2, not the segment's) and maps
//             `arena bytes` (> 0) of address space; -1 and 0 without it (always so with the pipe).
//   type 2  hello, worker -> parent, the handshake was accepted:
//             u16 version   u16 reserved = 0   u32 reserved = 0   i64 worker pid (> 0)
//   type 3  error, worker -> parent: text message. Answers a handshake it refuses (then the worker exits with a
//             non-zero code) or a chain it cannot build, e.g. an unknown filter (the worker stays, waiting for
//             another chain frame; it refuses tasks until it has a chain).
//   type 4  task, parent -> worker, one image:
//             u64 task index   text image name   area output   image
//             The output area is where the worker may put the result's image; the empty area (always so with the
//             pipe) asks for it inline.
//   type 5  result, worker -> parent, a task's outcome, in task order:
//             u64 task index   record   image (the result: the empty image when the task failed; otherwise inline,
//             or in the task's output area: in its memory, at exactly its offset, within its capacity)
//   type 6  chain, parent -> worker, at the start of every run:
//             u64 run id   u32 flags (bit 0: profile stages; the others 0)   text chain spec (FilterChain::spec())
//             The worker rebuilds the chain from its registered filters (and keeps it while the spec is the same).
//   type 7  ready, worker -> parent, the chain was accepted:  u64 run id (the chain frame's)
//   type 8  segment, parent -> worker, the segment has grown:  u64 segment bytes (>= the previous size)
//             The worker maps the new size before it reads the next frame. Only with shared memory.
//   type 9  file task, parent -> worker, one file job, decoded, filtered and written by the worker:
//             u64 task index   text input path   text output path   u8 compression (0..9, PNG and TIFF)
//             u8 fail on (0 none, 1 truncated, 2 error, 3 warning: image_io.hpp's FailOn)
//             u8 output format (0 PNG, 1 JPEG, 2 WebP, 3 TIFF: output_format.hpp's ImageFormat)
//             u8 quality (1..100, JPEG and WebP)   u32 reserved = 0   u64 max input pixels (0: no limit of its own)
//   type 10 file result, worker -> parent, a file task's outcome, in task order:  u64 task index   record
//             Sent once the output is flushed and renamed into place, which the worker does on a thread of its own
//             while it goes on to the next file task: so results of file tasks may come after later tasks' type 13.
//   type 11 encoded task, parent -> worker, a file job whose bytes travel (the mpi executor's ranks share no
//             filesystem with the parent): u64 task index   text file name   the file task's options (from u8
//             compression to u64 max input pixels, as in type 9)   u64 file bytes, then the input file's bytes
//   type 12 encoded result, worker -> parent, in task order: u64 task index   record   u64 output file bytes (0
//             when the task failed), then the output file's bytes (in the task's output format)
//   type 13 file started, worker -> parent, as it begins a file task (its chain is set):  u64 task index
//             In task order; the file result of a task always comes after its file started. A worker that dies
//             was working on the last task it said it started; those before it, unanswered, were being flushed.
//
//   record   i64 pid (> 0)   i64 tid   i32 cpu start   i32 cpu end   f64 start_s   f64 end_s (finite, >= start_s)
//            u64 pixels (<= max_image_pixels)
//            u32 stage count, then per stage: text name   f64 start_s   f64 end_s (finite, >= start_s)
//            text error (empty on success)   text warnings (what decoding said and let pass; empty if nothing)
//   image    u32 width   u32 height   u8 bands (1..4)   u8 format (0 u8, 1 u16)
//            u8 placement (0 inline, 1 segment, 2 shared image memory)   u8 reserved = 0   u64 pixel bytes
//            then, inline: the pixel bytes, interleaved samples (16-bit ones in host order: both ends run on one
//            machine); in memory: u64 offset, the samples being its bytes [offset, offset + pixel bytes).
//   area     u64 offset   u64 capacity   u8 memory (0 none: the empty area, offset and capacity 0; 1 segment;
//            2 shared image memory)   u8 reserved = 0   u16 reserved = 0   u32 reserved = 0
//            pixel bytes must equal width * height * bands * bytes per sample; the empty image is all zeros
//            (placement inline).
//
// A payload must be consumed exactly: a short, long or inconsistent frame, an unknown type, a bad magic, a
// size over the limits, an image or area outside the memory as the receiver has it mapped, is a ProtocolError,
// never an out-of-bounds access or an absurd allocation. The functions are pure (byte buffers in and out, the
// memories' sizes parameters), so the protocol is testable without processes or shared memory.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/image.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/output_format.hpp"
#include "pipeline/process_pool_options.hpp"
#include "pipeline/task.hpp"
#include "pipeline/vips.hpp"

namespace pipeline::wire {

inline constexpr std::uint32_t magic = 0x45504950;  // "PIPE" in little-endian byte order
inline constexpr std::uint16_t protocol_version = 7;
inline constexpr std::size_t header_bytes = 16;
inline constexpr std::uint32_t max_text_bytes = 64 * 1024;
inline constexpr std::uint64_t default_max_frame_bytes = pipeline::default_max_frame_bytes;  // ProcessPoolOptions
// The largest max frame size a handshake may ask for: the largest legal image (max_image_pixels x 4 bands x 2
// bytes = 8 GiB) plus 1 MiB for the fields around it. A worker must never agree to read more than any frame can
// legitimately hold.
inline constexpr std::uint64_t max_handshake_frame_bytes =
    static_cast<std::uint64_t>(max_image_pixels) * 4 * 2 + (std::uint64_t{1} << 20);

// A frame that breaks the protocol; what() says which field and why.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FrameType : std::uint32_t {
  handshake = 1,
  hello = 2,
  error = 3,
  task = 4,
  result = 5,
  chain = 6,
  ready = 7,
  segment = 8,
  file_task = 9,
  file_result = 10,
  encoded_task = 11,
  encoded_result = 12,
  file_started = 13,
};

[[nodiscard]] std::string_view to_string(FrameType type) noexcept;

struct FrameHeader {
  FrameType type = FrameType::error;
  std::uint64_t payload_bytes = 0;
};

struct Handshake {
  std::uint16_t version = protocol_version;
  VipsSettings vips;
  int log_level = 3;  // spdlog::level::warn
  std::uint64_t max_frame_bytes = default_max_frame_bytes;
  Transport transport = Transport::pipe;
  int segment_fd = -1;  // shared memory: the inherited descriptor's number in the worker
  std::uint64_t segment_bytes = 0;
  int arena_fd = -1;              // shared image memory, when the parent has it: likewise
  std::uint64_t arena_bytes = 0;  // its address space
};

struct Hello {
  std::uint16_t version = protocol_version;
  std::int64_t pid = 0;
};

struct Chain {
  std::uint64_t run = 0;
  bool profile_stages = false;
  std::string spec;
};

// The geometry of an image whose samples are elsewhere.
struct ImageShape {
  int width = 0;
  int height = 0;
  int bands = 0;
  SampleFormat format = SampleFormat::u8;

  [[nodiscard]] static ImageShape of(const Image& image) noexcept;
  [[nodiscard]] std::uint64_t size_bytes() const noexcept;
  friend bool operator==(const ImageShape&, const ImageShape&) = default;
};

// Which shared memory an offset is in: the worker's own segment, or shared image memory (the arena).
enum class Memory : std::uint8_t { segment = 1, arena = 2 };

// A byte range of shared memory; the default one is the empty area (inline, please).
struct SegmentArea {
  std::uint64_t offset = 0;
  std::uint64_t bytes = 0;
  Memory memory = Memory::segment;
  [[nodiscard]] bool none() const noexcept { return offset == 0 && bytes == 0; }
  friend bool operator==(const SegmentArea&, const SegmentArea&) = default;
};

// An image whose samples are bytes [offset, offset + shape.size_bytes()) of shared memory.
struct SegmentImage {
  ImageShape shape;
  std::uint64_t offset = 0;
  Memory memory = Memory::segment;
  friend bool operator==(const SegmentImage&, const SegmentImage&) = default;
};

// The sizes of the shared memories as the receiver has them mapped (0: none), to check offsets against.
struct MappedBytes {
  std::uint64_t segment = 0;
  std::uint64_t arena = 0;
};

struct Task {
  std::uint64_t index = 0;
  std::string name;
  Image image;                             // the samples when they came inline
  std::optional<SegmentImage> in_segment;  // or where they are in shared memory
  SegmentArea output;                      // where the output may go; {0, 0}: inline
};

// The fields a worker knows: pid, tid, cpu_start, cpu_end, start_s, end_s, pixels, stages, error and warnings. The
// parent fills the rest of the record (image, worker, bytes, transfer time).
struct Result {
  std::uint64_t index = 0;
  TaskRecord record;
  Image output;                                   // inline output (empty when failed or in the segment)
  std::optional<SegmentImage> output_in_segment;  // or where the output is in shared memory
};

struct FileTask {
  std::uint64_t index = 0;
  std::string input;  // a path's native bytes
  std::string output;
  OutputFormat output_format{};
  DecodeOptions decode{};
};

struct FileResult {
  std::uint64_t index = 0;
  TaskRecord record;
};

// Decoded, `file` and `output_file` point into the payload they were decoded from.
struct EncodedTask {
  std::uint64_t index = 0;
  std::string name;
  OutputFormat output_format{};
  DecodeOptions decode{};
  std::span<const std::uint8_t> file;
};

struct EncodedResult {
  std::uint64_t index = 0;
  TaskRecord record;
  std::span<const std::uint8_t> output_file;
};

// Whole frames (header + payload). Throw ProtocolError for values the layout cannot carry (a text over
// max_text_bytes, a negative setting, a segment image with inline samples too).
[[nodiscard]] std::vector<std::uint8_t> encode_handshake(const Handshake& handshake);
[[nodiscard]] std::vector<std::uint8_t> encode_hello(const Hello& hello);
[[nodiscard]] std::vector<std::uint8_t> encode_error(std::string_view message);
[[nodiscard]] std::vector<std::uint8_t> encode_chain(const Chain& chain);
[[nodiscard]] std::vector<std::uint8_t> encode_ready(std::uint64_t run);
[[nodiscard]] std::vector<std::uint8_t> encode_file_started(std::uint64_t task_index);
[[nodiscard]] std::vector<std::uint8_t> encode_segment(std::uint64_t segment_bytes);
// An inline task: the samples inside the frame.
[[nodiscard]] std::vector<std::uint8_t> encode_task(std::uint64_t index, std::string_view name, const Image& image,
                                                    SegmentArea output = {});
// A task whose samples are in shared memory.
[[nodiscard]] std::vector<std::uint8_t> encode_segment_task(std::uint64_t index, std::string_view name,
                                                            const SegmentImage& input, SegmentArea output);
[[nodiscard]] std::vector<std::uint8_t> encode_result(const Result& result);
[[nodiscard]] std::vector<std::uint8_t> encode_file_task(const FileTask& task);
[[nodiscard]] std::vector<std::uint8_t> encode_file_result(const FileResult& result);
[[nodiscard]] std::vector<std::uint8_t> encode_encoded_task(const EncodedTask& task);
[[nodiscard]] std::vector<std::uint8_t> encode_encoded_result(const EncodedResult& result);

// An inline task or result frame without its trailing samples: send these bytes, then the image's bytes(), and
// the receiver sees exactly encode_task()/encode_result(). Saves copying every image once more on each side.
[[nodiscard]] std::vector<std::uint8_t> encode_task_prefix(std::uint64_t index, std::string_view name,
                                                           const Image& image, SegmentArea output = {});
[[nodiscard]] std::vector<std::uint8_t> encode_result_prefix(const Result& result);

// The size of the frame encode_task() would produce, to check it against the limit before sending.
[[nodiscard]] std::uint64_t task_frame_bytes(std::string_view name, const Image& image) noexcept;

// `bytes` must hold exactly header_bytes. Checks the magic, the type and payload_bytes <= max_frame_bytes.
[[nodiscard]] FrameHeader decode_header(std::span<const std::uint8_t> bytes,
                                        std::uint64_t max_frame_bytes = default_max_frame_bytes);

// Payload decoders: `payload` is everything after the header. `mapped` are the sizes of the shared memories as the
// receiver has them mapped: every image and area in shared memory must lie inside its memory.
[[nodiscard]] Handshake decode_handshake(std::span<const std::uint8_t> payload);
[[nodiscard]] Hello decode_hello(std::span<const std::uint8_t> payload);
[[nodiscard]] std::string decode_error(std::span<const std::uint8_t> payload);
[[nodiscard]] Chain decode_chain(std::span<const std::uint8_t> payload);
[[nodiscard]] std::uint64_t decode_ready(std::span<const std::uint8_t> payload);
[[nodiscard]] std::uint64_t decode_file_started(std::span<const std::uint8_t> payload);
[[nodiscard]] std::uint64_t decode_segment(std::span<const std::uint8_t> payload);
[[nodiscard]] Task decode_task(std::span<const std::uint8_t> payload, MappedBytes mapped = {});
[[nodiscard]] Result decode_result(std::span<const std::uint8_t> payload, MappedBytes mapped = {});
// A task or result frame received in two parts, as encode_task_prefix()/encode_result_prefix() and then the
// samples (the mpi executor's messages): decodes the first part's payload, `samples_follow` being the bytes the
// header announced beyond it. An inline image comes back allocated with its shape, its samples not yet filled: the
// caller receives them into image.bytes().
[[nodiscard]] Task decode_task_prefix(std::span<const std::uint8_t> prefix_payload, std::uint64_t samples_follow);
[[nodiscard]] Result decode_result_prefix(std::span<const std::uint8_t> prefix_payload, std::uint64_t samples_follow);
[[nodiscard]] FileTask decode_file_task(std::span<const std::uint8_t> payload);
// Why a file task's path cannot travel ("an empty path", "a path with a NUL byte"), or null: the decoder refuses
// such a frame, and the parent fails such a job before sending it.
[[nodiscard]] const char* file_task_path_refusal(std::string_view path) noexcept;
[[nodiscard]] FileResult decode_file_result(std::span<const std::uint8_t> payload);
[[nodiscard]] EncodedTask decode_encoded_task(std::span<const std::uint8_t> payload);
[[nodiscard]] EncodedResult decode_encoded_result(std::span<const std::uint8_t> payload);

// One whole frame in a buffer: its header decoded and its payload, which must fill the rest of `bytes` exactly.
struct FrameView {
  FrameType type;
  std::span<const std::uint8_t> payload;
};
[[nodiscard]] FrameView split_frame(std::span<const std::uint8_t> bytes,
                                    std::uint64_t max_frame_bytes = default_max_frame_bytes);

}  // namespace pipeline::wire
