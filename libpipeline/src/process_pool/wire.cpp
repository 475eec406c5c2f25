#include "process_pool/wire.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <initializer_list>
#include <limits>

#include <fmt/format.h>

#include "process_pool/wire_codec.hpp"

namespace pipeline::wire {

using namespace codec;  // the byte-level codec (wire_codec.hpp)

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
    case FrameType::encoded_task: return "encoded task";
    case FrameType::encoded_result: return "encoded result";
    case FrameType::file_started: return "file started";
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

std::vector<std::uint8_t> encode_file_started(std::uint64_t task_index) {
  Writer writer = start_frame(FrameType::file_started, 8);
  writer.u64(task_index);
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
  Writer writer = start_frame(FrameType::file_task, 32 + task.input.size() + task.output.size());
  writer.u64(task.index);
  writer.text(task.input);
  writer.text(task.output);
  write_file_options(writer, task.output_format, task.decode);
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
      type > static_cast<std::uint32_t>(FrameType::file_started)) {
    reader.fail(fmt::format("unknown frame type {}", type));
  }
  FrameHeader header{static_cast<FrameType>(type), reader.u64()};
  if (header.payload_bytes > max_frame_bytes) {
    reader.fail(fmt::format("{} payload of {} bytes exceeds the maximum frame size of {} bytes", to_string(header.type),
                            header.payload_bytes, max_frame_bytes));
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
  if (concurrency < 1 || concurrency > int_max)
    reader.fail(fmt::format("vips concurrency {} out of range", concurrency));
  if (cache > int_max) reader.fail(fmt::format("vips cache size {} out of range", cache));
  if (log_level > 6) reader.fail(fmt::format("log level {} out of range 0..6", log_level));
  handshake.vips = VipsSettings{static_cast<int>(concurrency), static_cast<int>(cache)};
  handshake.log_level = static_cast<int>(log_level);
  handshake.max_frame_bytes = reader.u64();
  if (handshake.max_frame_bytes < header_bytes) {
    reader.fail(fmt::format("maximum frame size {} is too small", handshake.max_frame_bytes));
  }
  if (handshake.max_frame_bytes > max_handshake_frame_bytes) {
    reader.fail(
        fmt::format("maximum frame size {} exceeds the limit of {} bytes (the largest image, 2^30 pixels of "
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
    if (handshake.arena_fd != -1 || handshake.arena_bytes != 0)
      reader.fail("the pipe transport with shared image memory");
  } else if (transport == 1) {
    handshake.transport = Transport::shared_memory;
    if (handshake.segment_fd <= 2)
      reader.fail(fmt::format("segment fd {} is not an inherited descriptor", handshake.segment_fd));
    if (handshake.arena_fd != -1 || handshake.arena_bytes != 0) {
      if (handshake.arena_fd <= 2 || handshake.arena_fd == handshake.segment_fd) {
        reader.fail(
            fmt::format("shared image memory fd {} is not an inherited descriptor of its own", handshake.arena_fd));
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

std::uint64_t decode_file_started(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "file started frame");
  const std::uint64_t index = reader.u64();
  reader.finish();
  return index;
}

std::uint64_t decode_segment(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "segment frame");
  const std::uint64_t bytes = reader.u64();
  if (bytes == 0) reader.fail("a segment of 0 bytes");
  reader.finish();
  return bytes;
}

namespace {

Task read_task(std::span<const std::uint8_t> payload, MappedBytes mapped, std::optional<std::uint64_t> samples_follow) {
  Reader reader(payload, "task frame");
  Task task;
  task.index = reader.u64();
  task.name = reader.text("image name");
  task.output = read_area(reader, mapped);
  ReadImage input = read_image(reader, false, mapped, samples_follow);
  task.image = std::move(input.image);
  task.in_segment = input.in_segment;
  reader.finish();
  return task;
}

Result read_result(std::span<const std::uint8_t> payload, MappedBytes mapped,
                   std::optional<std::uint64_t> samples_follow) {
  Reader reader(payload, "result frame");
  Result result;
  result.index = reader.u64();
  result.record = read_record(reader);
  ReadImage output = read_image(reader, true, mapped, samples_follow);
  result.output = std::move(output.image);
  result.output_in_segment = output.in_segment;
  const bool has_output = !result.output.empty() || result.output_in_segment.has_value();
  if (result.record.ok() && !has_output) reader.fail("a successful task without an output image");
  if (!result.record.ok() && has_output) reader.fail("a failed task with an output image");
  reader.finish();
  return result;
}

}  // namespace

Task decode_task(std::span<const std::uint8_t> payload, MappedBytes mapped) {
  return read_task(payload, mapped, std::nullopt);
}

Result decode_result(std::span<const std::uint8_t> payload, MappedBytes mapped) {
  return read_result(payload, mapped, std::nullopt);
}

Task decode_task_prefix(std::span<const std::uint8_t> prefix_payload, std::uint64_t samples_follow) {
  return read_task(prefix_payload, {}, samples_follow);
}

Result decode_result_prefix(std::span<const std::uint8_t> prefix_payload, std::uint64_t samples_follow) {
  return read_result(prefix_payload, {}, samples_follow);
}

const char* file_task_path_refusal(std::string_view path) noexcept {
  if (path.empty()) return "an empty path";
  if (path.find('\0') != std::string_view::npos) return "a path with a NUL byte";
  return nullptr;
}

FileTask decode_file_task(std::span<const std::uint8_t> payload) {
  Reader reader(payload, "file task frame");
  FileTask task;
  task.index = reader.u64();
  task.input = reader.text("input path");
  task.output = reader.text("output path");
  for (const std::string* path : {&task.input, &task.output}) {
    if (const char* refusal = file_task_path_refusal(*path)) reader.fail(refusal);
  }
  read_file_options(reader, task.output_format, task.decode);
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
