#include "process_pool/wire.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace pipeline::wire {
namespace {

// width, height, bands, format, placement, reserved, pixel bytes.
constexpr std::size_t image_meta_bytes = 4 + 4 + 1 + 1 + 1 + 1 + 8;
constexpr std::uint8_t placement_inline = 0;
// In shared memory, the placement is the memory's number.
constexpr auto placement_segment = static_cast<std::uint8_t>(Memory::segment);
constexpr auto placement_arena = static_cast<std::uint8_t>(Memory::arena);
// offset, capacity, memory, reserved.
constexpr std::size_t area_bytes = 8 + 8 + 1 + 1 + 2 + 4;
constexpr std::uint32_t flag_profile_stages = 1;

// Little-endian by construction (shifts), whatever the host's byte order.
class Writer {
 public:
  explicit Writer(std::size_t reserve) { bytes_.reserve(reserve); }
  void u8(std::uint8_t v) { bytes_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void i32(std::int32_t v) { put(static_cast<std::uint32_t>(v), 4); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v), 8); }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  void text(std::string_view s) {
    if (s.size() > max_text_bytes) {
      throw ProtocolError(fmt::format("text of {} bytes exceeds the protocol's {}-byte limit", s.size(), max_text_bytes));
    }
    u32(static_cast<std::uint32_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  void raw(std::span<const std::uint8_t> data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  void put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t> bytes_;
};

// Every read checks the remaining length first; `what` names the frame or header in error messages.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, std::string_view what) : bytes_(bytes), what_(what) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(get(1, "u8")); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get(2, "u16")); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4, "u32")); }
  std::uint64_t u64() { return get(8, "u64"); }
  std::int32_t i32() { return static_cast<std::int32_t>(static_cast<std::uint32_t>(get(4, "i32"))); }
  std::int64_t i64() { return static_cast<std::int64_t>(get(8, "i64")); }
  double f64() { return std::bit_cast<double>(get(8, "f64")); }
  std::string text(std::string_view field) {
    const std::uint32_t size = u32();
    if (size > max_text_bytes) fail(fmt::format("{} of {} bytes exceeds the {}-byte limit", field, size, max_text_bytes));
    const auto data = take(size, field);
    return {reinterpret_cast<const char*>(data.data()), data.size()};
  }
  std::span<const std::uint8_t> take(std::uint64_t size, std::string_view field) {
    if (size > remaining()) {
      fail(fmt::format("{} needs {} bytes but only {} remain", field, size, remaining()));
    }
    const auto data = bytes_.subspan(offset_, static_cast<std::size_t>(size));
    offset_ += static_cast<std::size_t>(size);
    return data;
  }
  void reserved(std::uint64_t value, std::string_view field) {
    if (value != 0) fail(fmt::format("reserved field {} is {}, not 0", field, value));
  }
  void finish() {
    if (remaining() != 0) fail(fmt::format("{} unexpected trailing bytes", remaining()));
  }
  [[noreturn]] void fail(const std::string& message) const {
    throw ProtocolError(fmt::format("malformed {}: {}", what_, message));
  }
  [[nodiscard]] std::size_t remaining() const noexcept { return bytes_.size() - offset_; }

 private:
  std::uint64_t get(std::size_t n, std::string_view type) {
    if (remaining() < n) fail(fmt::format("truncated: a {} needs {} bytes but only {} remain", type, n, remaining()));
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(bytes_[offset_ + i]) << (8 * i);
    offset_ += n;
    return v;
  }

  std::span<const std::uint8_t> bytes_;
  std::string_view what_;
  std::size_t offset_ = 0;
};

// The frame's header goes first with a placeholder length, patched once the payload is written.
Writer start_frame(FrameType type, std::size_t reserve) {
  Writer writer(header_bytes + reserve);
  writer.u32(magic);
  writer.u32(static_cast<std::uint32_t>(type));
  writer.u64(0);
  return writer;
}

std::vector<std::uint8_t> finish_frame(Writer& writer, std::uint64_t trailing_bytes = 0) {
  auto bytes = writer.take();
  const std::uint64_t payload = bytes.size() - header_bytes + trailing_bytes;
  for (int i = 0; i < 8; ++i) bytes[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(payload >> (8 * i));
  return bytes;
}

void write_shape(Writer& writer, const ImageShape& shape, std::uint8_t placement) {
  writer.u32(static_cast<std::uint32_t>(shape.width));
  writer.u32(static_cast<std::uint32_t>(shape.height));
  writer.u8(static_cast<std::uint8_t>(shape.bands));
  writer.u8(static_cast<std::uint8_t>(shape.format));
  writer.u8(placement);
  writer.u8(0);
  writer.u64(shape.size_bytes());
}

// The image's fields up to its samples, which the caller sends (or appends) itself.
void write_inline_image_meta(Writer& writer, const Image& image) {
  write_shape(writer, ImageShape::of(image), placement_inline);
}

void write_segment_image(Writer& writer, const SegmentImage& image) {
  if (image.shape.size_bytes() == 0) throw ProtocolError("an empty image cannot be placed in shared memory");
  write_shape(writer, image.shape, static_cast<std::uint8_t>(image.memory));
  writer.u64(image.offset);
}

std::string_view memory_name(Memory memory) { return memory == Memory::arena ? "shared image memory" : "segment"; }

// [offset, offset + bytes) within `memory` as mapped, without overflow.
void check_in_memory(Reader& reader, Memory memory, std::uint64_t offset, std::uint64_t bytes, MappedBytes mapped,
                     std::string_view what) {
  const std::uint64_t size = memory == Memory::arena ? mapped.arena : mapped.segment;
  if (size == 0) reader.fail(fmt::format("{} in the {}, but none is mapped", what, memory_name(memory)));
  if (offset > size || bytes > size - offset) {
    reader.fail(fmt::format("{} [{}, +{}) lies outside the {}-byte {}", what, offset, bytes, size, memory_name(memory)));
  }
}

// An image's samples: inline in `image`, or in the segment (`in_segment`). `allow_empty`: a failed task's
// result carries the empty image (all fields zero).
struct ReadImage {
  Image image;
  std::optional<SegmentImage> in_segment;
};

ReadImage read_image(Reader& reader, bool allow_empty, MappedBytes mapped) {
  const std::uint32_t width = reader.u32();
  const std::uint32_t height = reader.u32();
  const std::uint8_t bands = reader.u8();
  const std::uint8_t format = reader.u8();
  const std::uint8_t placement = reader.u8();
  reader.reserved(reader.u8(), "image reserved");
  const std::uint64_t pixel_bytes = reader.u64();

  if (width == 0 && height == 0 && bands == 0 && format == 0 && placement == placement_inline && pixel_bytes == 0) {
    if (!allow_empty) reader.fail("empty image");
    return {};
  }
  if (width == 0 || height == 0 || width > std::numeric_limits<std::int32_t>::max() ||
      height > std::numeric_limits<std::int32_t>::max()) {
    reader.fail(fmt::format("impossible image size {}x{}", width, height));
  }
  if (bands < 1 || bands > 4) reader.fail(fmt::format("image band count {} outside 1..4", bands));
  if (format > static_cast<std::uint8_t>(SampleFormat::u16)) reader.fail(fmt::format("unknown sample format {}", format));
  if (placement != placement_inline && placement != placement_segment && placement != placement_arena) {
    reader.fail(fmt::format("unknown image placement {}", placement));
  }
  const std::uint64_t pixels = std::uint64_t{width} * height;  // < 2^62: no overflow
  if (pixels > static_cast<std::uint64_t>(max_image_pixels)) {
    reader.fail(fmt::format("image of {}x{} exceeds the {}-pixel limit", width, height, max_image_pixels));
  }
  const auto sample_format = static_cast<SampleFormat>(format);
  const std::uint64_t expected = pixels * bands * bytes_per_sample(sample_format);
  if (pixel_bytes != expected) {
    reader.fail(fmt::format("{} pixel bytes for a {}x{}x{} image of {}-byte samples, expected {}", pixel_bytes, width,
                            height, bands, bytes_per_sample(sample_format), expected));
  }
  const ImageShape shape{static_cast<int>(width), static_cast<int>(height), bands, sample_format};
  if (placement != placement_inline) {
    const auto memory = static_cast<Memory>(placement);
    const std::uint64_t offset = reader.u64();
    check_in_memory(reader, memory, offset, pixel_bytes, mapped, "image");
    return {Image(), SegmentImage{shape, offset, memory}};
  }
  const auto data = reader.take(pixel_bytes, "pixels");
  return {Image(shape.width, shape.height, shape.bands, shape.format, std::vector<std::uint8_t>(data.begin(), data.end())),
          std::nullopt};
}

void write_record(Writer& writer, const TaskRecord& record) {
  writer.i64(record.pid);
  writer.i64(record.tid);
  writer.i32(record.cpu_start);
  writer.i32(record.cpu_end);
  writer.f64(record.start_s);
  writer.f64(record.end_s);
  writer.u64(record.pixels);
  if (record.stages.size() > std::numeric_limits<std::uint32_t>::max()) throw ProtocolError("too many stages");
  writer.u32(static_cast<std::uint32_t>(record.stages.size()));
  for (const StageTiming& stage : record.stages) {
    writer.text(std::string_view(stage.name).substr(0, max_text_bytes));
    writer.f64(stage.start_s);
    writer.f64(stage.end_s);
  }
  // An over-long message is cut rather than refused: the error itself must reach the parent.
  writer.text(std::string_view(record.error).substr(0, max_text_bytes));
  writer.text(std::string_view(record.warnings).substr(0, max_text_bytes));
}

std::size_t record_bytes(const TaskRecord& record) {
  std::size_t bytes = 8 + 8 + 4 + 4 + 8 + 8 + 8 + 4 + 4 + std::min<std::size_t>(record.error.size(), max_text_bytes) +
                      4 + std::min<std::size_t>(record.warnings.size(), max_text_bytes);
  for (const StageTiming& stage : record.stages) bytes += 4 + stage.name.size() + 16;
  return bytes;
}

bool ordered_times(double start_s, double end_s) {
  return std::isfinite(start_s) && std::isfinite(end_s) && end_s >= start_s;
}

TaskRecord read_record(Reader& reader) {
  TaskRecord record;
  record.pid = reader.i64();
  record.tid = reader.i64();
  record.cpu_start = reader.i32();
  record.cpu_end = reader.i32();
  record.start_s = reader.f64();
  record.end_s = reader.f64();
  if (record.pid <= 0) reader.fail(fmt::format("impossible pid {}", record.pid));
  if (!ordered_times(record.start_s, record.end_s)) reader.fail("task times are not finite or end before they start");
  record.pixels = reader.u64();
  if (record.pixels > static_cast<std::uint64_t>(max_image_pixels)) {
    reader.fail(fmt::format("{} pixels exceed the {}-pixel limit", record.pixels, max_image_pixels));
  }
  const std::uint32_t stages = reader.u32();
  // Each stage takes at least 20 bytes: a count the payload cannot hold is refused before any allocation.
  constexpr std::size_t min_stage_bytes = 4 + 8 + 8;
  if (stages > reader.remaining() / min_stage_bytes) {
    reader.fail(fmt::format("{} stages cannot fit in the {} bytes that remain", stages, reader.remaining()));
  }
  record.stages.reserve(stages);
  for (std::uint32_t i = 0; i < stages; ++i) {
    StageTiming stage;
    stage.name = reader.text("stage name");
    stage.start_s = reader.f64();
    stage.end_s = reader.f64();
    if (!ordered_times(stage.start_s, stage.end_s)) {
      reader.fail(fmt::format("stage '{}' times are not finite or end before they start", stage.name));
    }
    record.stages.push_back(std::move(stage));
  }
  record.error = reader.text("error text");
  record.warnings = reader.text("warnings text");
  return record;
}

void write_area(Writer& writer, const SegmentArea& area) {
  writer.u64(area.offset);
  writer.u64(area.bytes);
  writer.u8(area.none() ? 0 : static_cast<std::uint8_t>(area.memory));
  writer.u8(0);
  writer.u16(0);
  writer.u32(0);
}

SegmentArea read_area(Reader& reader, MappedBytes mapped) {
  SegmentArea area;
  area.offset = reader.u64();
  area.bytes = reader.u64();
  const std::uint8_t memory = reader.u8();
  reader.reserved(reader.u8(), "area reserved");
  reader.reserved(reader.u16(), "area reserved");
  reader.reserved(reader.u32(), "area reserved");
  if (memory == 0) {
    if (!area.none()) reader.fail("an output area without a memory");
    return area;
  }
  if (memory != placement_segment && memory != placement_arena) reader.fail(fmt::format("unknown memory {}", memory));
  area.memory = static_cast<Memory>(memory);
  if (area.bytes == 0) reader.fail("an empty output area");
  check_in_memory(reader, area.memory, area.offset, area.bytes, mapped, "output area");
  return area;
}

void write_task_fields(Writer& writer, std::uint64_t index, std::string_view name) {
  writer.u64(index);
  writer.text(name);
}

void write_result_fields(Writer& writer, const Result& result) {
  writer.u64(result.index);
  write_record(writer, result.record);
  if (result.output_in_segment) {
    if (!result.output.empty()) throw ProtocolError("a result's output cannot be both inline and in the segment");
    write_segment_image(writer, *result.output_in_segment);
  } else {
    write_inline_image_meta(writer, result.output);
  }
}

}  // namespace

ImageShape ImageShape::of(const Image& image) noexcept {
  return {image.width(), image.height(), image.bands(), image.format()};
}

std::uint64_t ImageShape::size_bytes() const noexcept {
  if (width <= 0 || height <= 0 || bands <= 0) return 0;
  return static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) * static_cast<std::uint64_t>(bands) *
         bytes_per_sample(format);
}

std::string_view to_string(FrameType type) noexcept {
  switch (type) {
    case FrameType::handshake: return "handshake";
    case FrameType::hello: return "hello";
    case FrameType::error: return "error";
    case FrameType::task: return "task";
    case FrameType::result: return "result";
    case FrameType::chain: return "chain";
    case FrameType::ready: return "ready";
    case FrameType::segment: return "segment";
    case FrameType::file_task: return "file task";
    case FrameType::file_result: return "file result";
  }
  return "unknown";
}

std::vector<std::uint8_t> encode_handshake(const Handshake& handshake) {
  if (handshake.vips.concurrency < 1 || handshake.vips.cache_max_operations < 0 || handshake.log_level < 0) {
    throw ProtocolError("handshake: negative or zero settings cannot be sent");
  }
  Writer writer = start_frame(FrameType::handshake, 60);
  writer.u16(handshake.version);
  writer.u16(0);
  writer.u32(static_cast<std::uint32_t>(handshake.vips.concurrency));
  writer.u32(static_cast<std::uint32_t>(handshake.vips.cache_max_operations));
  writer.u32(static_cast<std::uint32_t>(handshake.log_level));
  writer.u64(handshake.max_frame_bytes);
  writer.u8(handshake.transport == Transport::shared_memory ? 1 : 0);
  writer.u8(0);
  writer.u16(0);
  writer.i32(handshake.segment_fd);
  writer.u64(handshake.segment_bytes);
  writer.i32(handshake.arena_fd);
  writer.u64(handshake.arena_bytes);
  return finish_frame(writer);
}

std::vector<std::uint8_t> encode_hello(const Hello& hello) {
  Writer writer = start_frame(FrameType::hello, 16);
  writer.u16(hello.version);
  writer.u16(0);
  writer.u32(0);
  writer.i64(hello.pid);
  return finish_frame(writer);
}

std::vector<std::uint8_t> encode_error(std::string_view message) {
  Writer writer = start_frame(FrameType::error, 4 + message.size());
  writer.text(message.substr(0, max_text_bytes));
  return finish_frame(writer);
}

std::vector<std::uint8_t> encode_chain(const Chain& chain) {
  Writer writer = start_frame(FrameType::chain, 16 + chain.spec.size());
  writer.u64(chain.run);
  writer.u32(chain.profile_stages ? flag_profile_stages : 0);
  writer.text(chain.spec);
  return finish_frame(writer);
}

std::vector<std::uint8_t> encode_ready(std::uint64_t run) {
  Writer writer = start_frame(FrameType::ready, 8);
  writer.u64(run);
  return finish_frame(writer);
}

std::vector<std::uint8_t> encode_segment(std::uint64_t segment_bytes) {
  Writer writer = start_frame(FrameType::segment, 8);
  writer.u64(segment_bytes);
  return finish_frame(writer);
}

std::vector<std::uint8_t> encode_task_prefix(std::uint64_t index, std::string_view name, const Image& image,
                                             SegmentArea output) {
  Writer writer = start_frame(FrameType::task, 12 + name.size() + area_bytes + image_meta_bytes);
  write_task_fields(writer, index, name);
  write_area(writer, output);
  write_inline_image_meta(writer, image);
  return finish_frame(writer, image.size_bytes());
}

std::vector<std::uint8_t> encode_task(std::uint64_t index, std::string_view name, const Image& image,
                                      SegmentArea output) {
  auto bytes = encode_task_prefix(index, name, image, output);
  bytes.insert(bytes.end(), image.bytes().begin(), image.bytes().end());
  return bytes;
}

std::vector<std::uint8_t> encode_segment_task(std::uint64_t index, std::string_view name, const SegmentImage& input,
                                              SegmentArea output) {
  Writer writer = start_frame(FrameType::task, 12 + name.size() + area_bytes + image_meta_bytes + 8);
  write_task_fields(writer, index, name);
  write_area(writer, output);
  write_segment_image(writer, input);
  return finish_frame(writer);
}

std::uint64_t task_frame_bytes(std::string_view name, const Image& image) noexcept {
  return header_bytes + 8 + 4 + name.size() + area_bytes + image_meta_bytes + image.size_bytes();
}

std::vector<std::uint8_t> encode_result_prefix(const Result& result) {
  Writer writer = start_frame(FrameType::result, 8 + record_bytes(result.record) + image_meta_bytes + 8);
  write_result_fields(writer, result);
  return finish_frame(writer, result.output.size_bytes());
}

std::vector<std::uint8_t> encode_result(const Result& result) {
  auto bytes = encode_result_prefix(result);
  bytes.insert(bytes.end(), result.output.bytes().begin(), result.output.bytes().end());
  return bytes;
}

std::vector<std::uint8_t> encode_file_task(const FileTask& task) {
  if (task.png_compression < 0 || task.png_compression > 9) {
    throw ProtocolError(fmt::format("PNG compression {} outside 0..9", task.png_compression));
  }
  Writer writer = start_frame(FrameType::file_task, 32 + task.input.size() + task.output.size());
  writer.u64(task.index);
  writer.text(task.input);
  writer.text(task.output);
  writer.u8(static_cast<std::uint8_t>(task.png_compression));
  writer.u8(static_cast<std::uint8_t>(task.decode.fail_on));
  writer.u16(0);
  writer.u32(0);
  writer.u64(task.decode.max_pixels);
  return finish_frame(writer);
}

std::vector<std::uint8_t> encode_file_result(const FileResult& result) {
  Writer writer = start_frame(FrameType::file_result, 8 + record_bytes(result.record));
  writer.u64(result.index);
  write_record(writer, result.record);
  return finish_frame(writer);
}

FrameHeader decode_header(std::span<const std::uint8_t> bytes, std::uint64_t max_frame_bytes) {
  if (bytes.size() != header_bytes) {
    throw ProtocolError(fmt::format("malformed frame header: {} bytes, expected {}", bytes.size(), header_bytes));
  }
  Reader reader(bytes, "frame header");
  const std::uint32_t found_magic = reader.u32();
  if (found_magic != magic) {
    reader.fail(fmt::format("bad magic 0x{:08x} (expected 0x{:08x}): not a pipeline worker frame", found_magic, magic));
  }
  const std::uint32_t type = reader.u32();
  if (type < static_cast<std::uint32_t>(FrameType::handshake) ||
      type > static_cast<std::uint32_t>(FrameType::file_result)) {
    reader.fail(fmt::format("unknown frame type {}", type));
  }
  FrameHeader header{static_cast<FrameType>(type), reader.u64()};
  if (header.payload_bytes > max_frame_bytes) {
    reader.fail(fmt::format("{} payload of {} bytes exceeds the maximum frame size of {} bytes",
                            to_string(header.type), header.payload_bytes, max_frame_bytes));
  }
  return header;
}

Handshake decode_handshake(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "handshake frame");
  Handshake handshake;
  handshake.version = reader.u16();
  if (handshake.version != protocol_version) {
    // The rest of the layout belongs to that version: stop here, the caller reports the mismatch.
    return handshake;
  }
  reader.reserved(reader.u16(), "handshake reserved");
  const std::uint32_t concurrency = reader.u32();
  const std::uint32_t cache = reader.u32();
  const std::uint32_t log_level = reader.u32();
  constexpr auto int_max = static_cast<std::uint32_t>(std::numeric_limits<int>::max());
  if (concurrency < 1 || concurrency > int_max) reader.fail(fmt::format("vips concurrency {} out of range", concurrency));
  if (cache > int_max) reader.fail(fmt::format("vips cache size {} out of range", cache));
  if (log_level > 6) reader.fail(fmt::format("log level {} out of range 0..6", log_level));
  handshake.vips = VipsSettings{static_cast<int>(concurrency), static_cast<int>(cache)};
  handshake.log_level = static_cast<int>(log_level);
  handshake.max_frame_bytes = reader.u64();
  if (handshake.max_frame_bytes < header_bytes) {
    reader.fail(fmt::format("maximum frame size {} is too small", handshake.max_frame_bytes));
  }
  if (handshake.max_frame_bytes > max_handshake_frame_bytes) {
    reader.fail(fmt::format("maximum frame size {} exceeds the limit of {} bytes (the largest image, 2^30 pixels of "
                            "4 bands of 16 bits, and 1 MiB more)",
                            handshake.max_frame_bytes, max_handshake_frame_bytes));
  }
  const std::uint8_t transport = reader.u8();
  reader.reserved(reader.u8(), "handshake reserved");
  reader.reserved(reader.u16(), "handshake reserved");
  handshake.segment_fd = reader.i32();
  handshake.segment_bytes = reader.u64();
  handshake.arena_fd = reader.i32();
  handshake.arena_bytes = reader.u64();
  if (transport == 0) {
    handshake.transport = Transport::pipe;
    if (handshake.segment_fd != -1 || handshake.segment_bytes != 0) {
      reader.fail("the pipe transport with a shared segment");
    }
    if (handshake.arena_fd != -1 || handshake.arena_bytes != 0) reader.fail("the pipe transport with shared image memory");
  } else if (transport == 1) {
    handshake.transport = Transport::shared_memory;
    if (handshake.segment_fd <= 2) reader.fail(fmt::format("segment fd {} is not an inherited descriptor", handshake.segment_fd));
    if (handshake.arena_fd != -1 || handshake.arena_bytes != 0) {
      if (handshake.arena_fd <= 2 || handshake.arena_fd == handshake.segment_fd) {
        reader.fail(fmt::format("shared image memory fd {} is not an inherited descriptor of its own", handshake.arena_fd));
      }
      if (handshake.arena_bytes == 0) reader.fail("shared image memory of 0 bytes");
    }
  } else {
    reader.fail(fmt::format("unknown transport {}", transport));
  }
  reader.finish();
  return handshake;
}

Hello decode_hello(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "hello frame");
  Hello hello;
  hello.version = reader.u16();
  reader.reserved(reader.u16(), "hello reserved");
  reader.reserved(reader.u32(), "hello reserved");
  hello.pid = reader.i64();
  if (hello.pid <= 0) reader.fail(fmt::format("impossible pid {}", hello.pid));
  reader.finish();
  return hello;
}

std::string decode_error(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "error frame");
  std::string message = reader.text("error message");
  reader.finish();
  return message;
}

Chain decode_chain(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "chain frame");
  Chain chain;
  chain.run = reader.u64();
  const std::uint32_t flags = reader.u32();
  if ((flags & ~flag_profile_stages) != 0) reader.fail(fmt::format("unknown flags 0x{:x}", flags));
  chain.profile_stages = (flags & flag_profile_stages) != 0;
  chain.spec = reader.text("chain spec");
  reader.finish();
  return chain;
}

std::uint64_t decode_ready(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "ready frame");
  const std::uint64_t run = reader.u64();
  reader.finish();
  return run;
}

std::uint64_t decode_segment(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "segment frame");
  const std::uint64_t bytes = reader.u64();
  if (bytes == 0) reader.fail("a segment of 0 bytes");
  reader.finish();
  return bytes;
}

Task decode_task(std::span<const std::uint8_t> payload, MappedBytes mapped) {
  Reader reader(payload, "task frame");
  Task task;
  task.index = reader.u64();
  task.name = reader.text("image name");
  task.output = read_area(reader, mapped);
  ReadImage input = read_image(reader, false, mapped);
  task.image = std::move(input.image);
  task.in_segment = input.in_segment;
  reader.finish();
  return task;
}

Result decode_result(std::span<const std::uint8_t> payload, MappedBytes mapped) {
  Reader reader(payload, "result frame");
  Result result;
  result.index = reader.u64();
  result.record = read_record(reader);
  ReadImage output = read_image(reader, true, mapped);
  result.output = std::move(output.image);
  result.output_in_segment = output.in_segment;
  const bool has_output = !result.output.empty() || result.output_in_segment.has_value();
  if (result.record.ok() && !has_output) reader.fail("a successful task without an output image");
  if (!result.record.ok() && has_output) reader.fail("a failed task with an output image");
  reader.finish();
  return result;
}

FileTask decode_file_task(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "file task frame");
  FileTask task;
  task.index = reader.u64();
  task.input = reader.text("input path");
  task.output = reader.text("output path");
  if (task.input.empty() || task.output.empty()) reader.fail("an empty path");
  if (task.input.find('\0') != std::string::npos || task.output.find('\0') != std::string::npos) {
    reader.fail("a path with a NUL byte");
  }
  const std::uint8_t compression = reader.u8();
  if (compression > 9) reader.fail(fmt::format("PNG compression {} outside 0..9", compression));
  task.png_compression = compression;
  const std::uint8_t fail_on = reader.u8();
  if (fail_on > static_cast<std::uint8_t>(FailOn::warning)) reader.fail(fmt::format("fail-on level {} outside 0..3", fail_on));
  task.decode.fail_on = static_cast<FailOn>(fail_on);
  reader.reserved(reader.u16(), "file task reserved");
  reader.reserved(reader.u32(), "file task reserved");
  task.decode.max_pixels = reader.u64();
  reader.finish();
  return task;
}

FileResult decode_file_result(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "file result frame");
  FileResult result;
  result.index = reader.u64();
  result.record = read_record(reader);
  reader.finish();
  return result;
}

FrameView split_frame(std::span<const std::uint8_t> bytes, std::uint64_t max_frame_bytes) {
  if (bytes.size() < header_bytes) {
    throw ProtocolError(fmt::format("truncated frame: {} bytes, a header alone is {}", bytes.size(), header_bytes));
  }
  const FrameHeader header = decode_header(bytes.first(header_bytes), max_frame_bytes);
  const auto payload = bytes.subspan(header_bytes);
  if (payload.size() != header.payload_bytes) {
    throw ProtocolError(fmt::format("malformed {} frame: header announces {} payload bytes, the buffer holds {}",
                                    to_string(header.type), header.payload_bytes, payload.size()));
  }
  return {header.type, payload};
}

}  // namespace pipeline::wire
