#pragma once
// Private to the library: where an Image's samples come from. The heap, unless another allocator is installed:
// shared image memory installs its own when it is turned on (process_pool/shared_image_memory.cpp), so the core
// needs nothing of the process pool. Each block carries the function that gives it back.

#include <cstddef>
#include <cstdint>
#include <functional>

namespace pipeline::detail {

struct PixelBlock {
  std::uint8_t* data = nullptr;
  std::function<void(std::uint8_t*)> release;
};

// `bytes` > 0. Zero-filled when `zero`. Throws std::bad_alloc.
using PixelAllocator = PixelBlock (*)(std::size_t bytes, bool zero);

// The default allocator.
[[nodiscard]] PixelBlock heap_pixels(std::size_t bytes, bool zero);

// Every image allocated from now on comes from `allocator` (which may fall back on heap_pixels). Safe to call
// while other threads allocate.
void install_pixel_allocator(PixelAllocator allocator) noexcept;

// From the allocator installed, the heap by default.
[[nodiscard]] PixelBlock allocate_pixels(std::size_t bytes, bool zero);

}  // namespace pipeline::detail
