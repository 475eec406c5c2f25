#include "process_pool/task_in_place.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "in_place_output.hpp"
#include "process_pool/pixel_placement.hpp"
#include "task_recording.hpp"

namespace pipeline::detail {

wire::MappedBytes SharedMemories::mapped() const noexcept {
  return {segment != nullptr ? segment->size() : 0, arena != nullptr ? arena->capacity() : 0};
}

std::span<std::uint8_t> SharedMemories::bytes(wire::Memory memory, std::uint64_t offset, std::uint64_t count) const {
  if (memory == wire::Memory::segment) {
    if (segment == nullptr) throw wire::ProtocolError("samples in a segment this worker does not have");
    return segment->bytes().subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(count));
  }
  if (arena == nullptr) throw wire::ProtocolError("samples in shared image memory this worker does not have");
  try {
    return arena->bytes(offset, count);
  } catch (const std::runtime_error& error) {
    throw wire::ProtocolError(std::string("task frame: ") + error.what());
  }
}

wire::Result run_task_frame(const ChainCache& chains, wire::Task task, const SharedMemories& memories) {
  const FilterChain& filters = chains.chain();
  const int width = task.in_segment ? task.in_segment->shape.width : task.image.width();
  const int height = task.in_segment ? task.in_segment->shape.height : task.image.height();
  if (task.in_segment) {
    // The filters read the samples where they lie.
    const wire::SegmentImage& at = *task.in_segment;
    task.image = image_over(memories.bytes(at.memory, at.offset, at.shape.size_bytes()), at.shape);
  }
  // And write the output that lands in place straight into the area the parent gave.
  Image into;
  const OutputGeometry in_place = in_place_output(width, height);
  const wire::ImageShape grey{in_place.width, in_place.height, in_place.bands, in_place.format};
  if (area_holds(task.output, grey.size_bytes())) {
    into = image_over(memories.bytes(task.output.memory, task.output.offset, grey.size_bytes()), grey);
  }
  TaskResult done =
      run_task_into(filters, NamedImage{std::move(task.name), std::move(task.image)}, into, 0, chains.profile_stages());
  wire::Result result{task.index, std::move(done.record), std::move(done.output), std::nullopt};
  if (result.record.ok() && result.output.empty() && !into.empty()) {
    result.output_in_segment = wire::SegmentImage{grey, task.output.offset, task.output.memory};
  } else if (!result.output.empty() && area_holds(task.output, result.output.size_bytes())) {
    // Another geometry (a user filter's), still fits the area: copied there.
    const auto target = memories.bytes(task.output.memory, task.output.offset, result.output.size_bytes());
    std::copy(result.output.bytes().begin(), result.output.bytes().end(), target.begin());
    result.output_in_segment =
        wire::SegmentImage{wire::ImageShape::of(result.output), task.output.offset, task.output.memory};
    result.output = Image();
  }
  return result;
}

}  // namespace pipeline::detail
