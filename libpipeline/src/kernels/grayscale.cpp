#include <cstdint>

#include "kernels/kernel_isa.hpp"
#include "kernels/row_kernels.hpp"

// 8-bit RGB has a hand-written AVX2 version (picked at run time, kernel_isa.hpp; the portable loop otherwise): the
// compiler's own vectorisation of the 3-byte deinterleave and of the division by 1000 costs about three times the
// instructions.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PIPELINE_HAVE_AVX2_GRAY 1
#include <immintrin.h>
#else
#define PIPELINE_HAVE_AVX2_GRAY 0
#endif

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

#if PIPELINE_HAVE_AVX2_GRAY
// 8-bit RGB -> Y, 32 pixels per step, exactly luma() above:
// - a byte shuffle per 128-bit lane spreads 4 pixels into 16-bit (R, G) and (B, 0) pairs, and multiply-add of
//   pairs (pmaddwd) gives s = 299 R + 587 G + 114 B in 32-bit lanes (no overflow: s <= 255000);
// - (s + 500) / 1000 = ((s + 500) >> 3) / 125, and t / 125 = (t * 33555) >> 22 for every t <= 31937 (checked
//   exhaustively: t = (s + 500) >> 3 <= 31937), which is a 16-bit multiply-high then a shift by 6.

// t = (s + 500) >> 3 of the 8 pixels at p, as 32-bit lanes.
__attribute__((target("avx2"), always_inline)) inline __m256i rgb8_eight(const std::uint8_t* p) {
  // Lane 0 holds pixels 0-3 at bytes 0-11, lane 1 pixels 4-7 at bytes 4-15 (loaded from byte 12 - 4 = 8, so no
  // load reads past the 24 bytes of the 8 pixels).
  const __m256i rg_shuffle = _mm256_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1,  //
                                              4, -1, 5, -1, 7, -1, 8, -1, 10, -1, 11, -1, 13, -1, 14, -1);
  const __m256i b_shuffle = _mm256_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1,  //
                                             6, -1, -1, -1, 9, -1, -1, -1, 12, -1, -1, -1, 15, -1, -1, -1);
  const __m256i rg_weights = _mm256_set1_epi32(299 | (587 << 16));
  const __m256i b_weight = _mm256_set1_epi32(114);
  const __m256i half = _mm256_set1_epi32(500);
  const __m256i bytes =
      _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
                              _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)), 1);
  const __m256i rg = _mm256_madd_epi16(_mm256_shuffle_epi8(bytes, rg_shuffle), rg_weights);
  const __m256i b = _mm256_madd_epi16(_mm256_shuffle_epi8(bytes, b_shuffle), b_weight);
  return _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(rg, b), half), 3);
}

__attribute__((target("avx2"))) void rgb8_to_gray_avx2(const std::uint8_t* __restrict source,
                                                       std::uint8_t* __restrict target, std::size_t width) {
  const __m256i inverse_125 = _mm256_set1_epi16(static_cast<short>(33555));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);

  std::size_t x = 0;
  for (; x + 32 <= width; x += 32) {
    const std::uint8_t* p = source + 3 * x;
    // packus works within 128-bit lanes: the 16-bit lanes hold pixels 0-3, 8-11 | 4-7, 12-15 (and 16-31 alike).
    const __m256i t0 = _mm256_packus_epi32(rgb8_eight(p), rgb8_eight(p + 24));
    const __m256i t1 = _mm256_packus_epi32(rgb8_eight(p + 48), rgb8_eight(p + 72));
    const __m256i y0 = _mm256_srli_epi16(_mm256_mulhi_epu16(t0, inverse_125), 6);
    const __m256i y1 = _mm256_srli_epi16(_mm256_mulhi_epu16(t1, inverse_125), 6);
    // Bytes in groups of 4 pixels: 0, 2, 4, 6 | 1, 3, 5, 7; put the groups in order.
    const __m256i y = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(y0, y1), order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(target + x), y);
  }
  for (; x < width; ++x) target[x] = luma(source[3 * x], source[3 * x + 1], source[3 * x + 2]);
}
#endif

template <typename Sample>
void gray_row_by_bands(const Image& input, int y, std::uint8_t* out) {
  // Rows of 16-bit images are 2-byte aligned: Image's vector allocates them so.
  const auto* source = reinterpret_cast<const Sample*>(input.row(y));
  const std::size_t width = static_cast<std::size_t>(input.width());
  switch (input.bands()) {
    case 1: to_gray_row<Sample, 1>(source, out, width); break;
    case 2: to_gray_row<Sample, 2>(source, out, width); break;
    case 3:
#if PIPELINE_HAVE_AVX2_GRAY
      if constexpr (sizeof(Sample) == 1) {
        if (kernel_isa().avx2_hand_written) {
          rgb8_to_gray_avx2(source, out, width);
          break;
        }
      }
#endif
      to_gray_row<Sample, 3>(source, out, width);
      break;
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
