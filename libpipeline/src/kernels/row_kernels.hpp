#pragma once
// The per-row loops of the built-in filters, shared by the one-filter-at-a-time path (convolve.cpp) and the
// fused chain (fused_chain.cpp). Row pointers of 3x3 kernels address x = 0 of an edge-padded row: x = -1 and
// x = width are valid.

#include <cstddef>
#include <cstdint>

#include "pipeline/image.hpp"

// Hot loops are compiled twice on x86-64, for AVX2 and for the baseline, and picked at run time (GCC/Clang
// function multi-versioning), so the default build stays portable and still uses the machine it runs on.
// Sanitizer builds keep one version: ifunc resolvers run before the sanitizer runtime is ready.
// Clang keeps one too: clang 14 cannot multiversion function templates (and does not define __SANITIZE_ADDRESS__).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define PIPELINE_KERNEL __attribute__((target_clones("avx2", "default")))
#define PIPELINE_KERNEL_CLONES 1
#else
#define PIPELINE_KERNEL
#define PIPELINE_KERNEL_CLONES 0
#endif

namespace pipeline::kernels {

// w = [e^-0.5, 1, e^-0.5] / (1 + 2 e^-0.5), computed in double, used in float.
extern const float blur_side;
extern const float blur_centre;

void blur_horizontal(const std::uint8_t* __restrict in, float* __restrict out, int width);
void blur_vertical(const float* __restrict above, const float* __restrict middle, const float* __restrict below,
                   std::uint8_t* __restrict out, int width);
void sobel_row(const std::uint8_t* __restrict a, const std::uint8_t* __restrict m, const std::uint8_t* __restrict b,
               std::uint8_t* __restrict out, int width);
void sharpen_row(const std::uint8_t* __restrict a, const std::uint8_t* __restrict m, const std::uint8_t* __restrict b,
                 std::uint8_t* __restrict out, int width);
void lookup_bytes(const std::uint8_t* __restrict in, std::uint8_t* __restrict out, std::size_t count,
                  const std::uint8_t* __restrict table);
// The same, in place: row[i] = table[row[i]].
void lookup_bytes_in_place(std::uint8_t* row, std::size_t count, const std::uint8_t* __restrict table);
// Row y of any image (1-4 bands, 8/16-bit) as 8-bit grey, exactly as the grayscale filter specifies.
void gray_row(const Image& input, int y, std::uint8_t* __restrict out);
// The whole image as 8-bit grey (a copy when it already is).
[[nodiscard]] Image gray8_from_any(const Image& input);

}  // namespace pipeline::kernels
