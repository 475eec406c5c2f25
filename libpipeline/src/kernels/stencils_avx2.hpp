#pragma once
// Hand-written AVX2 versions of two 3x3 row kernels (row_kernels.hpp has the portable loops and the dispatch).
// Same arguments, same bytes out; only called when kernel_isa().avx2_hand_written. Where PIPELINE_HAVE_AVX2_STENCILS is
// 0 they do nothing (0 pixels done), so the dispatch reads the same either way.

#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PIPELINE_HAVE_AVX2_STENCILS 1
#else
#define PIPELINE_HAVE_AVX2_STENCILS 0
#endif

namespace pipeline::kernels {

#if PIPELINE_HAVE_AVX2_STENCILS
// The first `width / 16 * 16` pixels; returns how many were done (the caller's portable loop does the rest).
int sobel_row_avx2(const std::uint8_t* a, const std::uint8_t* m, const std::uint8_t* b, std::uint8_t* out, int width);
int sharpen_row_avx2(const std::uint8_t* a, const std::uint8_t* m, const std::uint8_t* b, std::uint8_t* out, int width);
#else
inline int sobel_row_avx2(const std::uint8_t*, const std::uint8_t*, const std::uint8_t*, std::uint8_t*, int) {
  return 0;
}
inline int sharpen_row_avx2(const std::uint8_t*, const std::uint8_t*, const std::uint8_t*, std::uint8_t*, int) {
  return 0;
}
#endif

}  // namespace pipeline::kernels
