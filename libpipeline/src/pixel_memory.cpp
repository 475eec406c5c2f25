#include "pixel_memory.hpp"

#include <atomic>

namespace pipeline::detail {
namespace {

std::atomic<PixelAllocator> installed{&heap_pixels};

}  // namespace

PixelBlock heap_pixels(std::size_t bytes, bool zero) {
  auto* data = zero ? new std::uint8_t[bytes]() : new std::uint8_t[bytes];
  return {data, [](std::uint8_t* p) { delete[] p; }};
}

void install_pixel_allocator(PixelAllocator allocator) noexcept {
  installed.store(allocator, std::memory_order_release);
}

PixelBlock allocate_pixels(std::size_t bytes, bool zero) {
  return installed.load(std::memory_order_acquire)(bytes, zero);
}

}  // namespace pipeline::detail
