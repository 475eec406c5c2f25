#pragma once
// Private to the library: where a task's samples lie in shared memory, by the same rules on both sides of the
// pipe. The parent puts an image at the start of its worker's segment and offers the output area on the next page
// (or an image it allocated in shared image memory); the worker writes its output there when it fits, and the
// parent takes it back only from the area it offered.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pipeline/image.hpp"
#include "pipeline/task.hpp"
#include "process_pool/wire.hpp"

namespace pipeline::detail {

// An image's place in a worker's segment: the samples first, the output area from the next page on, with room for
// the output that lands in place (in_place_output.hpp; a larger one comes back inline).
struct SegmentLayout {
  std::uint64_t output_offset = 0;
  std::uint64_t needed_bytes = 0;  // the segment's size for both
};
[[nodiscard]] SegmentLayout segment_layout(const Image& input) noexcept;

// What a segment of `current` bytes grows to when it needs `needed`: whole MiB, and by a quarter at least, so a
// batch of growing images remaps rarely.
[[nodiscard]] std::uint64_t grown_segment_bytes(std::uint64_t current, std::uint64_t needed) noexcept;

// True when `bytes` fit in `area` (never in the inline, empty one).
[[nodiscard]] bool area_holds(const wire::SegmentArea& area, std::uint64_t bytes) noexcept;

// Throws wire::ProtocolError unless the output `at` lies in `area`, the one its task offered.
void check_output_in_area(const wire::SegmentImage& at, const wire::SegmentArea& area);

// An image in shared image memory goes as it is: the task frame says where it lies, and where the output image
// allocated there for it is, which the worker writes into. No sample is copied, only the frame travels.
struct ArenaTask {
  std::vector<std::uint8_t> frame;
  wire::SegmentArea output_area;
  Image output;  // allocated, filled by the worker
};
// Task `index`'s frame for `input`; nothing when its samples are elsewhere or shared image memory has no room for
// the output.
[[nodiscard]] std::optional<ArenaTask> arena_task(std::size_t index, const NamedImage& input);

// The output a worker wrote in place: `allocated` (moved out), the image that `area` is, when `at` is that area
// with that geometry. Throws wire::ProtocolError otherwise.
[[nodiscard]] Image take_arena_output(const wire::SegmentImage& at, const wire::SegmentArea& area, Image& allocated);

// An image over samples in shared memory (not copied, not owned).
[[nodiscard]] Image image_over(std::span<std::uint8_t> bytes, const wire::ImageShape& shape);

// An image of its own, copied from samples in shared memory.
[[nodiscard]] Image image_copied_from(std::span<const std::uint8_t> bytes, const wire::ImageShape& shape);

}  // namespace pipeline::detail
