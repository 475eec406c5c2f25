// The per-row loops of the built-in filters: straight-line arithmetic over restrict pointers, which the compiler
// vectorises (check with -fopt-info-vec; the file is built with -fno-math-errno so sqrt vectorises too).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/row_kernels.hpp"

namespace pipeline::kernels {

const float blur_side = static_cast<float>(std::exp(-0.5) / (1.0 + 2.0 * std::exp(-0.5)));
const float blur_centre = static_cast<float>(1.0 / (1.0 + 2.0 * std::exp(-0.5)));

PIPELINE_KERNEL
void blur_horizontal(const std::uint8_t* __restrict in, float* __restrict out, int width) {
  // Copies in registers: the compiler cannot otherwise assume the globals stay put across the stores.
  const float side = blur_side;
  const float centre = blur_centre;
  for (int x = 0; x < width; ++x) {
    out[x] = side * static_cast<float>(in[x - 1]) + centre * static_cast<float>(in[x]) +
             side * static_cast<float>(in[x + 1]);
  }
}

PIPELINE_KERNEL
void blur_vertical(const float* __restrict above, const float* __restrict middle, const float* __restrict below,
                   std::uint8_t* __restrict out, int width) {
  const float side = blur_side;
  const float centre = blur_centre;
  for (int x = 0; x < width; ++x) {
    const float v = side * above[x] + centre * middle[x] + side * below[x];
    // Weights are positive and sum to 1, so v >= 0 and at most 255 plus rounding error: rounding first and then
    // clamping the integer gives the same result as clamp-then-round, and keeps the loop branch-free.
    out[x] = static_cast<std::uint8_t>(std::min(static_cast<int>(v + 0.5f), 255));
  }
}

PIPELINE_KERNEL
void sobel_row(const std::uint8_t* __restrict a, const std::uint8_t* __restrict m, const std::uint8_t* __restrict b,
               std::uint8_t* __restrict out, int width) {
  for (int x = 0; x < width; ++x) {
    const int gx = (a[x + 1] - a[x - 1]) + 2 * (m[x + 1] - m[x - 1]) + (b[x + 1] - b[x - 1]);
    const int gy = (b[x - 1] - a[x - 1]) + 2 * (b[x] - a[x]) + (b[x + 1] - a[x + 1]);
    // gx^2 + gy^2 <= 2 * 1020^2 is exact in float; sqrt(n) for an integer n is never k + 0.5, and float's error
    // here (< 2e-5) is far below the smallest distance to a tie (~5e-4), so the rounding is exact.
    // (The file is built with -fno-math-errno so this sqrt is one vector instruction.) magnitude >= 0, so
    // round-then-clamp equals clamp-then-round.
    const float magnitude = std::sqrt(static_cast<float>(gx * gx + gy * gy));
    out[x] = static_cast<std::uint8_t>(std::min(static_cast<int>(magnitude + 0.5f), 255));
  }
}

PIPELINE_KERNEL
void sharpen_row(const std::uint8_t* __restrict a, const std::uint8_t* __restrict m, const std::uint8_t* __restrict b,
                 std::uint8_t* __restrict out, int width) {
  for (int x = 0; x < width; ++x) {
    const int ring = a[x - 1] + a[x] + a[x + 1] + m[x - 1] + m[x + 1] + b[x - 1] + b[x] + b[x + 1];
    // (32 c - 2 ring) / 16 = (16 c - ring) / 8; floor(v / 8 + 0.5) = (v + 4) >> 3 (arithmetic shift floors).
    const int rounded = (16 * m[x] - ring + 4) >> 3;
    out[x] = static_cast<std::uint8_t>(std::min(std::max(rounded, 0), 255));
  }
}

PIPELINE_KERNEL
void lookup_bytes(const std::uint8_t* __restrict in, std::uint8_t* __restrict out, std::size_t count,
                  const std::uint8_t* __restrict table) {
  for (std::size_t i = 0; i < count; ++i) out[i] = table[in[i]];
}

}  // namespace pipeline::kernels
