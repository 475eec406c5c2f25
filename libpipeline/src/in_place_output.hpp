#pragma once
// Private to the library: the one rule for which output lands in place. A filter chain writes its result straight
// into an image the caller gave (FilterChain::apply_into) when that image has this geometry: 8-bit grey of the
// input's size, what the built-in filters make. The process pool allocates the output so, in shared memory or in
// a worker's segment, and its workers hand exactly that to the chain.

#include <cstdint>

#include "pipeline/image.hpp"

namespace pipeline::detail {

struct OutputGeometry {
  int width = 0;
  int height = 0;
  int bands = 0;
  SampleFormat format = SampleFormat::u8;

  [[nodiscard]] static OutputGeometry of(const Image& image) noexcept {
    return {image.width(), image.height(), image.bands(), image.format()};
  }
  [[nodiscard]] std::uint64_t size_bytes() const noexcept {
    return static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) * static_cast<std::uint64_t>(bands) *
           bytes_per_sample(format);
  }
  friend bool operator==(const OutputGeometry&, const OutputGeometry&) = default;
};

// The output that lands in place for an input of `width` x `height`.
[[nodiscard]] inline OutputGeometry in_place_output(int width, int height) noexcept {
  return {width, height, 1, SampleFormat::u8};
}

}  // namespace pipeline::detail
