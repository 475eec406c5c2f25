#pragma once
// Private to wire.cpp and wire_fields.cpp: the byte-level codec of the wire protocol (wire.hpp): little-endian
// writers and bounds-checked readers, and the fields several frames share (images, records, areas).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "process_pool/wire.hpp"

namespace pipeline::wire::codec {

// width, height, bands, format, placement, reserved, pixel bytes.
inline constexpr std::size_t image_meta_bytes = 4 + 4 + 1 + 1 + 1 + 1 + 8;
inline constexpr std::uint8_t placement_inline = 0;
// In shared memory, the placement is the memory's number.
inline constexpr auto placement_segment = static_cast<std::uint8_t>(Memory::segment);
inline constexpr auto placement_arena = static_cast<std::uint8_t>(Memory::arena);
// offset, capacity, memory, reserved.
inline constexpr std::size_t area_bytes = 8 + 8 + 1 + 1 + 2 + 4;
inline constexpr std::uint32_t flag_profile_stages = 1;

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
      throw ProtocolError(
          fmt::format("text of {} bytes exceeds the protocol's {}-byte limit", s.size(), max_text_bytes));
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
    if (size > max_text_bytes)
      fail(fmt::format("{} of {} bytes exceeds the {}-byte limit", field, size, max_text_bytes));
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
inline Writer start_frame(FrameType type, std::size_t reserve) {
  Writer writer(header_bytes + reserve);
  writer.u32(magic);
  writer.u32(static_cast<std::uint32_t>(type));
  writer.u64(0);
  return writer;
}

inline std::vector<std::uint8_t> finish_frame(Writer& writer, std::uint64_t trailing_bytes = 0) {
  auto bytes = writer.take();
  const std::uint64_t payload = bytes.size() - header_bytes + trailing_bytes;
  for (int i = 0; i < 8; ++i) bytes[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(payload >> (8 * i));
  return bytes;
}

void write_shape(Writer& writer, const ImageShape& shape, std::uint8_t placement);
// The image's fields up to its samples, which the caller sends (or appends) itself.
void write_inline_image_meta(Writer& writer, const Image& image);
void write_segment_image(Writer& writer, const SegmentImage& image);

// An image's samples: inline in `image`, or in the segment (`in_segment`). `allow_empty`: a failed task's
// result carries the empty image (all fields zero).
struct ReadImage {
  Image image;
  std::optional<SegmentImage> in_segment;
};
// `samples_follow`: the frame was sent in two parts (encode_*_prefix, then the samples on their own): an inline
// image's samples are not in `reader` but that many bytes that follow; it comes back allocated, not filled.
ReadImage read_image(Reader& reader, bool allow_empty, MappedBytes mapped,
                     std::optional<std::uint64_t> samples_follow = std::nullopt);

void write_record(Writer& writer, const TaskRecord& record);
std::size_t record_bytes(const TaskRecord& record);
TaskRecord read_record(Reader& reader);

void write_area(Writer& writer, const SegmentArea& area);
SegmentArea read_area(Reader& reader, MappedBytes mapped);

void write_task_fields(Writer& writer, std::uint64_t index, std::string_view name);

// A file task's options (file task and encoded task frames): u8 png compression, u8 fail on, u16 0, u32 0,
// u64 max input pixels.
void write_file_options(Writer& writer, const OutputFormat& output, const DecodeOptions& decode);
void read_file_options(Reader& reader, OutputFormat& output, DecodeOptions& decode);
void write_result_fields(Writer& writer, const Result& result);

}  // namespace pipeline::wire::codec
