// The per-row loops of the built-in filters: straight-line arithmetic over restrict pointers, which the compiler
// vectorises (check with -fopt-info-vec; the file is built with -fno-math-errno so sqrt vectorises too).
#include "kernels/row_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/kernel_isa.hpp"
#include "kernels/stencils_avx2.hpp"

// The byte lookup has a hand-written AVX-512 VBMI version (picked at run time, kernel_isa.hpp; the portable loop
// otherwise): the compiler cannot vectorise a table lookup, and VBMI's byte permutes hold the whole table in
// registers.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PIPELINE_HAVE_VBMI_LOOKUP 1
#include <immintrin.h>
#else
#define PIPELINE_HAVE_VBMI_LOOKUP 0
#endif

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

namespace {

PIPELINE_KERNEL
void sobel_portable(const std::uint8_t* __restrict a, const std::uint8_t* __restrict m,
                    const std::uint8_t* __restrict b, std::uint8_t* __restrict out, int width) {
  for (int x = 0; x < width; ++x) {
    // |gx|, |gy| <= 4 * 255 = 1020: 16-bit lanes hold them, twice as many per vector as int.
    const auto gx =
        static_cast<std::int16_t>((a[x + 1] - a[x - 1]) + 2 * (m[x + 1] - m[x - 1]) + (b[x + 1] - b[x - 1]));
    const auto gy = static_cast<std::int16_t>((b[x - 1] - a[x - 1]) + 2 * (b[x] - a[x]) + (b[x + 1] - a[x + 1]));
    // gx^2 and gy^2 (<= 1020^2 < 2^24) and their sum (<= 2^21) are exact in float, so this is the integer
    // gx^2 + gy^2. sqrt(n) for an integer n is never k + 0.5, and float's error here (< 2e-5) is far below the
    // smallest distance to a tie (~5e-4), so the rounding is exact.
    // (The file is built with -fno-math-errno so this sqrt is one vector instruction.) magnitude >= 0, so
    // round-then-clamp equals clamp-then-round.
    const float fx = static_cast<float>(gx);
    const float fy = static_cast<float>(gy);
    const float magnitude = std::sqrt(fx * fx + fy * fy);
    out[x] = static_cast<std::uint8_t>(std::min(static_cast<int>(magnitude + 0.5f), 255));
  }
}

PIPELINE_KERNEL
void sharpen_portable(const std::uint8_t* __restrict a, const std::uint8_t* __restrict m,
                      const std::uint8_t* __restrict b, std::uint8_t* __restrict out, int width) {
  for (int x = 0; x < width; ++x) {
    const int ring = a[x - 1] + a[x] + a[x + 1] + m[x - 1] + m[x + 1] + b[x - 1] + b[x] + b[x + 1];
    // (32 c - 2 ring) / 16 = (16 c - ring) / 8; floor(v / 8 + 0.5) = (v + 4) >> 3 (arithmetic shift floors).
    const int rounded = (16 * m[x] - ring + 4) >> 3;
    out[x] = static_cast<std::uint8_t>(std::min(std::max(rounded, 0), 255));
  }
}

using StencilRow = void(const std::uint8_t*, const std::uint8_t*, const std::uint8_t*, std::uint8_t*, int);
using StencilRowBulk = int(const std::uint8_t*, const std::uint8_t*, const std::uint8_t*, std::uint8_t*, int);

// The hand-written AVX2 row, where this CPU has it, does the bulk of the row; the portable loop the rest.
void stencil_row(StencilRowBulk* avx2_bulk, StencilRow* portable, const std::uint8_t* a, const std::uint8_t* m,
                 const std::uint8_t* b, std::uint8_t* out, int width) {
  const int done = kernel_isa().avx2_hand_written ? avx2_bulk(a, m, b, out, width) : 0;
  portable(a + done, m + done, b + done, out + done, width - done);
}

}  // namespace

void sobel_row(const std::uint8_t* __restrict a, const std::uint8_t* __restrict m, const std::uint8_t* __restrict b,
               std::uint8_t* __restrict out, int width) {
  stencil_row(sobel_row_avx2, sobel_portable, a, m, b, out, width);
}

void sharpen_row(const std::uint8_t* __restrict a, const std::uint8_t* __restrict m, const std::uint8_t* __restrict b,
                 std::uint8_t* __restrict out, int width) {
  stencil_row(sharpen_row_avx2, sharpen_portable, a, m, b, out, width);
}

namespace {

PIPELINE_KERNEL
void lookup_portable(const std::uint8_t* in, std::uint8_t* out, std::size_t count, const std::uint8_t* table) {
  for (std::size_t i = 0; i < count; ++i) out[i] = table[in[i]];
}

#if PIPELINE_HAVE_VBMI_LOOKUP
// The whole 256-byte table in four 64-byte registers: two two-register byte permutes look up 64 bytes at once
// (index bits 0-6), and bit 7 of each index picks which of the two answers to keep. A scalar loop does one byte
// per load and store. In-place use is fine: each block is read before it is written.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void lookup_vbmi(const std::uint8_t* in, std::uint8_t* out,
                                                                        std::size_t count, const std::uint8_t* table) {
  const __m512i t0 = _mm512_loadu_si512(table);
  const __m512i t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128);
  const __m512i t3 = _mm512_loadu_si512(table + 192);
  std::size_t i = 0;
  for (; i + 64 <= count; i += 64) {
    const __m512i index = _mm512_loadu_si512(in + i);
    const __m512i low = _mm512_permutex2var_epi8(t0, index, t1);
    const __m512i high = _mm512_permutex2var_epi8(t2, index, t3);
    _mm512_storeu_si512(out + i, _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high));
  }
  if (i < count) {
    const __mmask64 tail = ~0ULL >> (64 - (count - i));  // 1 <= count - i <= 63
    const __m512i index = _mm512_maskz_loadu_epi8(tail, in + i);
    const __m512i low = _mm512_permutex2var_epi8(t0, index, t1);
    const __m512i high = _mm512_permutex2var_epi8(t2, index, t3);
    _mm512_mask_storeu_epi8(out + i, tail, _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high));
  }
}
#endif

void lookup_any(const std::uint8_t* in, std::uint8_t* out, std::size_t count, const std::uint8_t* table) {
#if PIPELINE_HAVE_VBMI_LOOKUP
  if (kernel_isa().vbmi_lookup) {
    lookup_vbmi(in, out, count, table);
    return;
  }
#endif
  lookup_portable(in, out, count, table);
}

}  // namespace

void lookup_bytes(const std::uint8_t* __restrict in, std::uint8_t* __restrict out, std::size_t count,
                  const std::uint8_t* __restrict table) {
  lookup_any(in, out, count, table);
}

void lookup_bytes_in_place(std::uint8_t* row, std::size_t count, const std::uint8_t* __restrict table) {
  lookup_any(row, row, count, table);
}

}  // namespace pipeline::kernels
