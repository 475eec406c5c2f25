// Sobel and sharpen, 16 pixels per step in 16-bit lanes. The compiler's own vectorisation of the portable loops
// (row_kernels.cpp) widens every sum to 32 bits and converts each gradient to float on its own; measured on one
// 1920x1080 row set (g++ 12 -O3, Zen 4): sobel 0.51 -> 0.30 ms/MP, sharpen 0.21 -> 0.14 ms/MP.
#include "kernels/stencils_avx2.hpp"

#if PIPELINE_HAVE_AVX2_STENCILS
#include <immintrin.h>

namespace pipeline::kernels {
namespace {

// 16 bytes at p, zero-extended to 16-bit lanes.
__attribute__((target("avx2"), always_inline)) inline __m256i load16(const std::uint8_t* p) {
  return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// 16-bit lanes (0..255 after packus' saturation) stored as 16 bytes in order: packus works per 128-bit half, so
// the bytes sit in 64-bit quarters 0 and 2.
__attribute__((target("avx2"), always_inline)) inline void store16(std::uint8_t* out, __m256i words) {
  const __m256i bytes = _mm256_permute4x64_epi64(_mm256_packus_epi16(words, words), 0x08);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(bytes));
}

// round(sqrt(n)) of 8 lanes: n = gx^2 + gy^2 <= 2 * 1020^2 < 2^24 is exact in float, and sqrt(n) is never
// k + 0.5 (row_kernels.cpp's argument), so the correctly rounded vsqrtps and round-to-nearest conversion give the
// portable loop's result.
__attribute__((target("avx2"), always_inline)) inline __m256i rounded_root(__m256i n) {
  return _mm256_cvtps_epi32(_mm256_sqrt_ps(_mm256_cvtepi32_ps(n)));
}

}  // namespace

__attribute__((target("avx2"))) int sobel_row_avx2(const std::uint8_t* a, const std::uint8_t* m, const std::uint8_t* b,
                                                   std::uint8_t* out, int width) {
  int x = 0;
  for (; x + 16 <= width; x += 16) {
    const __m256i above_left = load16(a + x - 1);
    const __m256i above_right = load16(a + x + 1);
    const __m256i below_left = load16(b + x - 1);
    const __m256i below_right = load16(b + x + 1);
    const __m256i middle = _mm256_sub_epi16(load16(m + x + 1), load16(m + x - 1));
    const __m256i centre = _mm256_sub_epi16(load16(b + x), load16(a + x));
    // |gx|, |gy| <= 1020: exact in 16 bits.
    const __m256i gx = _mm256_add_epi16(
        _mm256_add_epi16(_mm256_sub_epi16(above_right, above_left), _mm256_sub_epi16(below_right, below_left)),
        _mm256_add_epi16(middle, middle));
    const __m256i gy = _mm256_add_epi16(
        _mm256_add_epi16(_mm256_sub_epi16(below_left, above_left), _mm256_sub_epi16(below_right, above_right)),
        _mm256_add_epi16(centre, centre));
    // Interleaved (gx, gy) pairs: one multiply-add gives gx^2 + gy^2 in 32 bits. Both unpacks work per 128-bit
    // half, and packus below puts the halves back in pixel order.
    const __m256i low = _mm256_unpacklo_epi16(gx, gy);
    const __m256i high = _mm256_unpackhi_epi16(gx, gy);
    const __m256i magnitudes =
        _mm256_packus_epi32(rounded_root(_mm256_madd_epi16(low, low)), rounded_root(_mm256_madd_epi16(high, high)));
    store16(out + x, magnitudes);  // over 255 saturates: the portable loop's clamp
  }
  return x;
}

__attribute__((target("avx2"))) int sharpen_row_avx2(const std::uint8_t* a, const std::uint8_t* m,
                                                     const std::uint8_t* b, std::uint8_t* out, int width) {
  const __m256i four = _mm256_set1_epi16(4);
  int x = 0;
  for (; x + 16 <= width; x += 16) {
    const __m256i ring = _mm256_add_epi16(_mm256_add_epi16(_mm256_add_epi16(load16(a + x - 1), load16(a + x)),
                                                           _mm256_add_epi16(load16(a + x + 1), load16(m + x - 1))),
                                          _mm256_add_epi16(_mm256_add_epi16(load16(m + x + 1), load16(b + x - 1)),
                                                           _mm256_add_epi16(load16(b + x), load16(b + x + 1))));
    // (16 c - ring + 4) >> 3 lies in [-255, 510]: exact in 16 bits; packus clamps to 0..255.
    const __m256i centre = _mm256_slli_epi16(load16(m + x), 4);
    store16(out + x, _mm256_srai_epi16(_mm256_add_epi16(_mm256_sub_epi16(centre, ring), four), 3));
  }
  return x;
}

}  // namespace pipeline::kernels
#endif
