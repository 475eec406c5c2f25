#include "process_pool/pixel_placement.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "in_place_output.hpp"
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

Image image_over(std::span<std::uint8_t> bytes, const wire::ImageShape& shape) {
  return Image::wrap(shape.width, shape.height, shape.bands, shape.format, bytes);
}

Image image_copied_from(std::span<const std::uint8_t> bytes, const wire::ImageShape& shape) {
  return Image(shape.width, shape.height, shape.bands, shape.format,
               std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}

}  // namespace pipeline::detail
