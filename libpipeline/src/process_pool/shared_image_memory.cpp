#include "pipeline/shared_image_memory.hpp"

#include <cstring>

#include "pixel_memory.hpp"
#include "process_pool/shared_arena.hpp"

namespace pipeline {
namespace {

// Images' samples once shared image memory is on (pixel_memory.hpp): from it while it has room, else the heap.
detail::PixelBlock shared_pixels(std::size_t bytes, bool zero) {
  if (detail::SharedArena* arena = detail::SharedArena::active()) {
    if (std::uint8_t* data = arena->allocate(bytes)) {
      if (zero) std::memset(data, 0, bytes);
      return {data, [arena](std::uint8_t* p) { arena->release(p); }};
    }
  }
  return detail::heap_pixels(bytes, zero);
}

}  // namespace

bool use_shared_image_memory(std::uint64_t capacity_bytes, std::string* why) {
  if (!detail::SharedArena::activate(capacity_bytes, why)) return false;
  detail::install_pixel_allocator(&shared_pixels);
  return true;
}

SharedImageMemoryUse shared_image_memory_use() {
  const detail::SharedArena* arena = detail::SharedArena::active();
  if (arena == nullptr) return {};
  const detail::ArenaUse use = arena->use();
  return {true, use.capacity_bytes, use.file_bytes, use.in_use_bytes, use.resident_bytes, use.blocks};
}

bool in_shared_image_memory(const Image& image) noexcept {
  const detail::SharedArena* arena = detail::SharedArena::active();
  return arena != nullptr && !image.empty() && arena->offset_of(image.bytes().data(), image.size_bytes()).has_value();
}

}  // namespace pipeline
