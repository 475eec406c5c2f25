#pragma once
// A deliberately naive reference implementation of the five built-in filters, written straight from the
// formulas of the spec (README "Filter math") in double precision, sharing no code with the library's kernels:
// every neighbour is fetched with a clamped index (edge replication), no padded copy, no lookup tables,
// no integer tricks, and every result goes through round_half_up(clamp(x, 0, 255)).
//
// The tests compare the library's fast kernels against these. They are slow on purpose; use small images.

#include <string_view>

#include "pipeline/image.hpp"

namespace pipeline::test::reference {

// floor(clamp(x, 0, 255) + 0.5), the spec's one rounding rule.
[[nodiscard]] int round_clamped(double x);

// The sample (x, y, band) of any image as a number: 8-bit 0..255 or 16-bit 0..65535.
[[nodiscard]] int sample(const Image& image, int x, int y, int band = 0);

// Y = 0.299 R + 0.587 G + 0.114 B after 16-bit -> 8-bit (v >> 8), alpha dropped, grey expanded to R = G = B.
[[nodiscard]] Image grayscale(const Image& input);

// The blur's unrounded value at (x, y) of a gray8 image: sum_j w_j sum_i w_i p(x + i, y + j), the horizontal
// pass first, with w = [e^-0.5, 1, e^-0.5] / (1 + 2 e^-0.5). For tests that need to know how close to a
// rounding boundary a pixel is.
[[nodiscard]] double blur_unrounded(const Image& gray, int x, int y);

[[nodiscard]] Image blur(const Image& input);
[[nodiscard]] Image sobel(const Image& input);
[[nodiscard]] Image sharpen(const Image& input);
[[nodiscard]] Image brightness(const Image& input, double factor = 1.2);

// A comma-separated chain of the five names ("grayscale,blur,sobel,sharpen,brightness=1.2"), parsed here with
// no help from the library's registry. An empty chain is grayscale alone. Throws std::invalid_argument.
[[nodiscard]] Image chain(std::string_view spec, const Image& input);

}  // namespace pipeline::test::reference
