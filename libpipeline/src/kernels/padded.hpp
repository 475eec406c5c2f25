#pragma once
// A copy of a grey image with a one-pixel border replicating its edge pixels (clamp to edge), so 3x3 kernels
// run over the whole image with no bounds checks and no border special cases, whatever its size (1x1 too).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pipeline/image.hpp"

namespace pipeline::kernels {

class PaddedGray {
 public:
  explicit PaddedGray(const Image& gray)
      : width_(gray.width()), height_(gray.height()),
        stride_(static_cast<std::size_t>(gray.width()) + 2),
        data_(stride_ * (static_cast<std::size_t>(gray.height()) + 2)) {
    for (int y = -1; y <= height_; ++y) {
      const int source_y = y < 0 ? 0 : (y >= height_ ? height_ - 1 : y);
      const std::uint8_t* source = gray.row(source_y);
      std::uint8_t* target = row(y);
      std::memcpy(target, source, static_cast<std::size_t>(width_));
      target[-1] = source[0];
      target[width_] = source[width_ - 1];
    }
  }

  // Row y (-1 .. height) with x running -1 .. width.
  [[nodiscard]] const std::uint8_t* row(int y) const noexcept {
    return data_.data() + stride_ * static_cast<std::size_t>(y + 1) + 1;
  }

 private:
  [[nodiscard]] std::uint8_t* row(int y) noexcept { return data_.data() + stride_ * static_cast<std::size_t>(y + 1) + 1; }

  int width_;
  int height_;
  std::size_t stride_;
  std::vector<std::uint8_t> data_;
};

}  // namespace pipeline::kernels
