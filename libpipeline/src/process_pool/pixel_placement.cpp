#include "process_pool/pixel_placement.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "in_place_output.hpp"
#include "process_pool/shared_arena.hpp"
#include "process_pool/shared_memory.hpp"

namespace pipeline::detail {
namespace {

constexpr std::uint64_t segment_granule = std::uint64_t{1} << 20;

}  // namespace

SegmentLayout segment_layout(const Image& input) noexcept {
  const std::uint64_t output_offset = round_up(input.size_bytes(), page_bytes);
  const std::uint64_t output_bytes = in_place_output(input.width(), input.height()).size_bytes();
  return {output_offset, output_offset + round_up(output_bytes, page_bytes)};
}

std::uint64_t grown_segment_bytes(std::uint64_t current, std::uint64_t needed) noexcept {
  return round_up(std::max(needed, current + current / 4), segment_granule);
}

bool area_holds(const wire::SegmentArea& area, std::uint64_t bytes) noexcept {
  return !area.none() && bytes <= area.bytes;
}

void check_output_in_area(const wire::SegmentImage& at, const wire::SegmentArea& area) {
  if (at.memory != area.memory || at.offset != area.offset || !area_holds(area, at.shape.size_bytes())) {
    throw wire::ProtocolError(fmt::format("output at [{}, +{}) outside the task's output area [{}, +{})", at.offset,
                                          at.shape.size_bytes(), area.offset, area.bytes));
  }
}

std::optional<ArenaTask> arena_task(std::size_t index, const NamedImage& input) {
  const SharedArena* arena = SharedArena::active();
  if (arena == nullptr) return std::nullopt;
  const auto input_at = arena->offset_of(input.image.bytes().data(), input.image.size_bytes());
  if (!input_at) return std::nullopt;
  const OutputGeometry geometry = in_place_output(input.image.width(), input.image.height());
  Image output = Image::uninitialized(geometry.width, geometry.height, geometry.bands, geometry.format);  // all written
  const auto output_at = arena->offset_of(output.bytes().data(), output.size_bytes());
  if (!output_at) return std::nullopt;
  const wire::SegmentArea area{*output_at, output.size_bytes(), wire::Memory::arena};
  const wire::SegmentImage where{wire::ImageShape::of(input.image), *input_at, wire::Memory::arena};
  return ArenaTask{wire::encode_segment_task(index, input.name, where, area), area, std::move(output)};
}

Image take_arena_output(const wire::SegmentImage& at, const wire::SegmentArea& area, Image& allocated) {
  check_output_in_area(at, area);
  if (at.memory != wire::Memory::arena || at.shape != wire::ImageShape::of(allocated)) {
    throw wire::ProtocolError("an output in shared image memory with another geometry than allocated");
  }
  return std::move(allocated);
}

Image image_over(std::span<std::uint8_t> bytes, const wire::ImageShape& shape) {
  return Image::wrap(shape.width, shape.height, shape.bands, shape.format, bytes);
}

Image image_copied_from(std::span<const std::uint8_t> bytes, const wire::ImageShape& shape) {
  return Image(shape.width, shape.height, shape.bands, shape.format,
               std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}

}  // namespace pipeline::detail
