#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "process_pool/wire_codec.hpp"

namespace pipeline::wire::codec {
namespace {

std::string_view memory_name(Memory memory) { return memory == Memory::arena ? "shared image memory" : "segment"; }

// [offset, offset + bytes) within `memory` as mapped, without overflow.
void check_in_memory(Reader& reader, Memory memory, std::uint64_t offset, std::uint64_t bytes, MappedBytes mapped,
                     std::string_view what) {
  const std::uint64_t size = memory == Memory::arena ? mapped.arena : mapped.segment;
  if (size == 0) reader.fail(fmt::format("{} in the {}, but none is mapped", what, memory_name(memory)));
  if (offset > size || bytes > size - offset) {
    reader.fail(
        fmt::format("{} [{}, +{}) lies outside the {}-byte {}", what, offset, bytes, size, memory_name(memory)));
  }
}

bool ordered_times(double start_s, double end_s) {
  return std::isfinite(start_s) && std::isfinite(end_s) && end_s >= start_s;
}

}  // namespace

void write_shape(Writer& writer, const ImageShape& shape, std::uint8_t placement) {
  writer.u32(static_cast<std::uint32_t>(shape.width));
  writer.u32(static_cast<std::uint32_t>(shape.height));
  writer.u8(static_cast<std::uint8_t>(shape.bands));
  writer.u8(static_cast<std::uint8_t>(shape.format));
  writer.u8(placement);
  writer.u8(0);
  writer.u64(shape.size_bytes());
}

void write_inline_image_meta(Writer& writer, const Image& image) {
  write_shape(writer, ImageShape::of(image), placement_inline);
}

void write_segment_image(Writer& writer, const SegmentImage& image) {
  if (image.shape.size_bytes() == 0) throw ProtocolError("an empty image cannot be placed in shared memory");
  write_shape(writer, image.shape, static_cast<std::uint8_t>(image.memory));
  writer.u64(image.offset);
}

ReadImage read_image(Reader& reader, bool allow_empty, MappedBytes mapped,
                     std::optional<std::uint64_t> samples_follow) {
  const std::uint32_t width = reader.u32();
  const std::uint32_t height = reader.u32();
  const std::uint8_t bands = reader.u8();
  const std::uint8_t format = reader.u8();
  const std::uint8_t placement = reader.u8();
  reader.reserved(reader.u8(), "image reserved");
  const std::uint64_t pixel_bytes = reader.u64();

  if (width == 0 && height == 0 && bands == 0 && format == 0 && placement == placement_inline && pixel_bytes == 0) {
    if (!allow_empty) reader.fail("empty image");
    if (samples_follow && *samples_follow != 0) reader.fail("pixel bytes follow an empty image");
    return {};
  }
  if (width == 0 || height == 0 || width > std::numeric_limits<std::int32_t>::max() ||
      height > std::numeric_limits<std::int32_t>::max()) {
    reader.fail(fmt::format("impossible image size {}x{}", width, height));
  }
  if (bands < 1 || bands > 4) reader.fail(fmt::format("image band count {} outside 1..4", bands));
  if (format > static_cast<std::uint8_t>(SampleFormat::u16))
    reader.fail(fmt::format("unknown sample format {}", format));
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
  if (samples_follow) {
    if (*samples_follow != pixel_bytes) {
      reader.fail(fmt::format("{} pixel bytes follow the frame, the image has {}", *samples_follow, pixel_bytes));
    }
    return {Image::uninitialized(shape.width, shape.height, shape.bands, shape.format), std::nullopt};
  }
  const auto data = reader.take(pixel_bytes, "pixels");
  return {
      Image(shape.width, shape.height, shape.bands, shape.format, std::vector<std::uint8_t>(data.begin(), data.end())),
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

void write_file_options(Writer& writer, const OutputFormat& output, const DecodeOptions& decode) {
  try {
    check_output_format(output);
  } catch (const std::invalid_argument& error) {
    throw ProtocolError(fmt::format("output {}", error.what()));
  }
  writer.u8(static_cast<std::uint8_t>(output.compression));
  writer.u8(static_cast<std::uint8_t>(decode.fail_on));
  writer.u8(static_cast<std::uint8_t>(output.format));
  writer.u8(static_cast<std::uint8_t>(output.quality));
  writer.u32(0);
  writer.u64(decode.max_pixels);
}

void read_file_options(Reader& reader, OutputFormat& output, DecodeOptions& decode) {
  const std::uint8_t compression = reader.u8();
  if (compression > max_output_compression) {
    reader.fail(fmt::format("compression {} outside 0..{}", compression, max_output_compression));
  }
  output.compression = compression;
  const std::uint8_t fail_on = reader.u8();
  if (fail_on > static_cast<std::uint8_t>(FailOn::warning)) {
    reader.fail(fmt::format("fail-on level {} outside 0..3", fail_on));
  }
  decode.fail_on = static_cast<FailOn>(fail_on);
  const std::uint8_t format = reader.u8();
  if (format > static_cast<std::uint8_t>(ImageFormat::tiff))
    reader.fail(fmt::format("output format {} outside 0..3", format));
  output.format = static_cast<ImageFormat>(format);
  const std::uint8_t quality = reader.u8();
  if (quality < min_output_quality || quality > max_output_quality) {
    reader.fail(fmt::format("quality {} outside {}..{}", quality, min_output_quality, max_output_quality));
  }
  output.quality = quality;
  reader.reserved(reader.u32(), "file options reserved");
  decode.max_pixels = reader.u64();
}

}  // namespace pipeline::wire::codec
