#pragma once
// Private to the library: where an Image's samples come from. Shared image memory when it is on and has room
// (shared_image_memory.hpp), the heap otherwise; each block carries the function that gives it back.

#include <cstddef>
#include <cstdint>
#include <functional>

namespace pipeline::detail {

struct PixelBlock {
  std::uint8_t* data = nullptr;
  std::function<void(std::uint8_t*)> release;
};

// `bytes` > 0. Zero-filled when `zero`. Throws std::bad_alloc.
[[nodiscard]] PixelBlock allocate_pixels(std::size_t bytes, bool zero);

}  // namespace pipeline::detail
