#include <cstdint>

#include "kernels/row_kernels.hpp"

namespace pipeline::kernels {
namespace {

// Y = 0.299 R + 0.587 G + 0.114 B, rounded half up, in integers so it is exact: (299 R + 587 G + 114 B + 500) / 1000.
inline std::uint8_t luma(unsigned r, unsigned g, unsigned b) noexcept {
  return static_cast<std::uint8_t>((299 * r + 587 * g + 114 * b + 500) / 1000);
}

template <typename Sample, int Bands>
PIPELINE_KERNEL void to_gray_row(const Sample* __restrict source, std::uint8_t* __restrict target, std::size_t width) {
  // 16-bit samples are reduced to 8 bits by v >> 8 before anything else, as the spec says.
  constexpr unsigned shift = sizeof(Sample) == 2 ? 8 : 0;
  for (std::size_t x = 0; x < width; ++x) {
    const Sample* pixel = source + x * Bands;
    if constexpr (Bands <= 2) {  // grey (+ alpha): expanding grey to RGB gives Y = grey exactly
      target[x] = static_cast<std::uint8_t>(pixel[0] >> shift);
    } else {  // RGB (+ alpha, dropped, not composited)
      target[x] = luma(pixel[0] >> shift, pixel[1] >> shift, pixel[2] >> shift);
    }
  }
}

template <typename Sample>
void gray_row_by_bands(const Image& input, int y, std::uint8_t* out) {
  // Rows of 16-bit images are 2-byte aligned: Image's vector allocates them so.
  const auto* source = reinterpret_cast<const Sample*>(input.row(y));
  const std::size_t width = static_cast<std::size_t>(input.width());
  switch (input.bands()) {
    case 1: to_gray_row<Sample, 1>(source, out, width); break;
    case 2: to_gray_row<Sample, 2>(source, out, width); break;
    case 3: to_gray_row<Sample, 3>(source, out, width); break;
    default: to_gray_row<Sample, 4>(source, out, width); break;
  }
}

}  // namespace

void gray_row(const Image& input, int y, std::uint8_t* __restrict out) {
  if (input.format() == SampleFormat::u16) {
    gray_row_by_bands<std::uint16_t>(input, y, out);
  } else {
    gray_row_by_bands<std::uint8_t>(input, y, out);
  }
}

Image gray8_from_any(const Image& input) {
  if (input.is_gray8()) return input;
  Image out(input.width(), input.height(), 1, SampleFormat::u8);
  for (int y = 0; y < input.height(); ++y) gray_row(input, y, out.row(y));
  return out;
}

}  // namespace pipeline::kernels
