// The 3x3 neighbourhood filters. Each walks the edge-replicated copy (padded.hpp), so the inner loops are
// straight-line arithmetic over rows that the compiler can vectorise.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/kernels.hpp"
#include "kernels/padded.hpp"

namespace pipeline::kernels {

Image blur3(const Image& gray) {
  // w = [e^-0.5, 1, e^-0.5] / (1 + 2 e^-0.5), computed in double then stored as float.
  static const float side = static_cast<float>(std::exp(-0.5) / (1.0 + 2.0 * std::exp(-0.5)));
  static const float centre = static_cast<float>(1.0 / (1.0 + 2.0 * std::exp(-0.5)));
  const int width = gray.width();
  const int height = gray.height();
  const PaddedGray padded(gray);

  // Horizontal pass into float rows -1 .. height (kept unrounded: the spec rounds once, at the end).
  const std::size_t w = static_cast<std::size_t>(width);
  std::vector<float> horizontal(w * (static_cast<std::size_t>(height) + 2));
  for (int y = -1; y <= height; ++y) {
    const std::uint8_t* in = padded.row(y);
    float* out = horizontal.data() + w * static_cast<std::size_t>(y + 1);
    for (int x = 0; x < width; ++x) {
      out[x] = side * static_cast<float>(in[x - 1]) + centre * static_cast<float>(in[x]) +
               side * static_cast<float>(in[x + 1]);
    }
  }

  Image out(width, height);
  for (int y = 0; y < height; ++y) {
    const float* above = horizontal.data() + w * static_cast<std::size_t>(y);
    const float* middle = above + w;
    const float* below = middle + w;
    std::uint8_t* target = out.row(y);
    for (int x = 0; x < width; ++x) {
      const float v = side * above[x] + centre * middle[x] + side * below[x];
      target[x] = static_cast<std::uint8_t>(std::clamp(v, 0.0f, 255.0f) + 0.5f);
    }
  }
  return out;
}

Image sobel3(const Image& gray) {
  const int width = gray.width();
  const int height = gray.height();
  const PaddedGray padded(gray);
  Image out(width, height);
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* a = padded.row(y - 1);
    const std::uint8_t* m = padded.row(y);
    const std::uint8_t* b = padded.row(y + 1);
    std::uint8_t* target = out.row(y);
    for (int x = 0; x < width; ++x) {
      const int gx = (a[x + 1] - a[x - 1]) + 2 * (m[x + 1] - m[x - 1]) + (b[x + 1] - b[x - 1]);
      const int gy = (b[x - 1] - a[x - 1]) + 2 * (b[x] - a[x]) + (b[x + 1] - a[x + 1]);
      // gx^2 + gy^2 is at most 2 * 1020^2, exact in float; sqrt(n) for integer n is never k + 0.5 exactly,
      // and float's error (< 2e-5 here) is far below the smallest gap (~5e-4), so rounding is exact.
      const float magnitude = std::sqrt(static_cast<float>(gx * gx + gy * gy));
      target[x] = static_cast<std::uint8_t>(std::min(magnitude, 255.0f) + 0.5f);
    }
  }
  return out;
}

Image sharpen3(const Image& gray) {
  const int width = gray.width();
  const int height = gray.height();
  const PaddedGray padded(gray);
  Image out(width, height);
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* a = padded.row(y - 1);
    const std::uint8_t* m = padded.row(y);
    const std::uint8_t* b = padded.row(y + 1);
    std::uint8_t* target = out.row(y);
    for (int x = 0; x < width; ++x) {
      const int ring = a[x - 1] + a[x] + a[x + 1] + m[x - 1] + m[x + 1] + b[x - 1] + b[x] + b[x + 1];
      // (32 c - 2 ring) / 16 = (16 c - ring) / 8; floor(v / 8 + 0.5) = (v + 4) >> 3 (arithmetic shift floors).
      const int rounded = (16 * m[x] - ring + 4) >> 3;
      target[x] = static_cast<std::uint8_t>(std::clamp(rounded, 0, 255));
    }
  }
  return out;
}

Image lookup(const Image& gray, const unsigned char (&table)[256]) {
  Image out(gray.width(), gray.height());
  const auto in = gray.bytes();
  const auto target = out.bytes();
  for (std::size_t i = 0; i < in.size(); ++i) target[i] = table[in[i]];
  return out;
}

}  // namespace pipeline::kernels
