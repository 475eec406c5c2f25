#include "pipeline/wire.hpp"

#include <bit>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace pipeline::wire {
namespace {

constexpr std::size_t image_meta_bytes = 4 + 4 + 1 + 1 + 2 + 8;

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

void write_image_meta(Writer& writer, const Image& image) {
  writer.u32(static_cast<std::uint32_t>(image.width()));
  writer.u32(static_cast<std::uint32_t>(image.height()));
  writer.u8(static_cast<std::uint8_t>(image.bands()));
  writer.u8(static_cast<std::uint8_t>(image.format()));
  writer.u16(0);
  writer.u64(image.size_bytes());
}

// `allow_empty`: a failed task's result carries the empty image (all fields zero).
Image read_image(Reader& reader, bool allow_empty) {
  const std::uint32_t width = reader.u32();
  const std::uint32_t height = reader.u32();
  const std::uint8_t bands = reader.u8();
  const std::uint8_t format = reader.u8();
  reader.reserved(reader.u16(), "image reserved");
  const std::uint64_t pixel_bytes = reader.u64();

  if (width == 0 && height == 0 && bands == 0 && format == 0 && pixel_bytes == 0) {
    if (!allow_empty) reader.fail("empty image");
    return {};
  }
  if (width == 0 || height == 0 || width > std::numeric_limits<std::int32_t>::max() ||
      height > std::numeric_limits<std::int32_t>::max()) {
    reader.fail(fmt::format("impossible image size {}x{}", width, height));
  }
  if (bands < 1 || bands > 4) reader.fail(fmt::format("image band count {} outside 1..4", bands));
  if (format > static_cast<std::uint8_t>(SampleFormat::u16)) reader.fail(fmt::format("unknown sample format {}", format));
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
  const auto data = reader.take(pixel_bytes, "pixels");
  return Image(static_cast<int>(width), static_cast<int>(height), bands, sample_format,
               std::vector<std::uint8_t>(data.begin(), data.end()));
}

void write_result_fields(Writer& writer, const Result& result) {
  const TaskRecord& record = result.record;
  writer.u64(result.index);
  writer.i64(record.pid);
  writer.i64(record.tid);
  writer.i32(record.cpu_start);
  writer.i32(record.cpu_end);
  writer.f64(record.start_s);
  writer.f64(record.end_s);
  // An over-long message is cut rather than refused: the error itself must reach the parent.
  writer.text(std::string_view(record.error).substr(0, max_text_bytes));
  write_image_meta(writer, result.output);
}

}  // namespace

std::string_view to_string(FrameType type) noexcept {
  switch (type) {
    case FrameType::handshake: return "handshake";
    case FrameType::hello: return "hello";
    case FrameType::error: return "error";
    case FrameType::task: return "task";
    case FrameType::result: return "result";
  }
  return "unknown";
}

std::vector<std::uint8_t> encode_handshake(const Handshake& handshake) {
  if (handshake.vips.concurrency < 1 || handshake.vips.cache_max_operations < 0 || handshake.log_level < 0) {
    throw ProtocolError("handshake: negative or zero settings cannot be sent");
  }
  Writer writer = start_frame(FrameType::handshake, 32 + handshake.chain_spec.size());
  writer.u16(handshake.version);
  writer.u16(0);
  writer.u32(static_cast<std::uint32_t>(handshake.vips.concurrency));
  writer.u32(static_cast<std::uint32_t>(handshake.vips.cache_max_operations));
  writer.u32(static_cast<std::uint32_t>(handshake.log_level));
  writer.u64(handshake.max_frame_bytes);
  writer.text(handshake.chain_spec);
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

std::vector<std::uint8_t> encode_task_prefix(std::uint64_t index, std::string_view name, const Image& image) {
  Writer writer = start_frame(FrameType::task, 12 + name.size() + image_meta_bytes);
  writer.u64(index);
  writer.text(name);
  write_image_meta(writer, image);
  return finish_frame(writer, image.size_bytes());
}

std::vector<std::uint8_t> encode_task(std::uint64_t index, std::string_view name, const Image& image) {
  auto bytes = encode_task_prefix(index, name, image);
  bytes.insert(bytes.end(), image.bytes().begin(), image.bytes().end());
  return bytes;
}

std::uint64_t task_frame_bytes(std::string_view name, const Image& image) noexcept {
  return header_bytes + 8 + 4 + name.size() + image_meta_bytes + image.size_bytes();
}

std::vector<std::uint8_t> encode_result_prefix(const Result& result) {
  Writer writer = start_frame(FrameType::result, 64 + result.record.error.size() + image_meta_bytes);
  write_result_fields(writer, result);
  return finish_frame(writer, result.output.size_bytes());
}

std::vector<std::uint8_t> encode_result(const Result& result) {
  auto bytes = encode_result_prefix(result);
  bytes.insert(bytes.end(), result.output.bytes().begin(), result.output.bytes().end());
  return bytes;
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
  if (type < static_cast<std::uint32_t>(FrameType::handshake) || type > static_cast<std::uint32_t>(FrameType::result)) {
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
  handshake.chain_spec = reader.text("chain spec");
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

Task decode_task(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "task frame");
  Task task;
  task.index = reader.u64();
  task.name = reader.text("image name");
  task.image = read_image(reader, false);
  reader.finish();
  return task;
}

Result decode_result(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "result frame");
  Result result;
  TaskRecord& record = result.record;
  result.index = reader.u64();
  record.pid = reader.i64();
  record.tid = reader.i64();
  record.cpu_start = reader.i32();
  record.cpu_end = reader.i32();
  record.start_s = reader.f64();
  record.end_s = reader.f64();
  if (record.pid <= 0) reader.fail(fmt::format("impossible pid {}", record.pid));
  if (!std::isfinite(record.start_s) || !std::isfinite(record.end_s) || record.end_s < record.start_s) {
    reader.fail("task times are not finite or end before they start");
  }
  record.error = reader.text("error text");
  result.output = read_image(reader, true);
  if (record.error.empty() && result.output.empty()) reader.fail("a successful task without an output image");
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
