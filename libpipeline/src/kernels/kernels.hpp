#pragma once
// Tight kernels over 8-bit single-band pixel memory, the hot path of the built-in filters.
// Private to the library: the public face is filters.hpp. Inputs must be 8-bit grey (is_gray8()),
// except gray8_from_any, which produces that layout.

#include "pipeline/image.hpp"

namespace pipeline::kernels {

[[nodiscard]] Image gray8_from_any(const Image& input);
[[nodiscard]] Image blur3(const Image& gray);
[[nodiscard]] Image sobel3(const Image& gray);
[[nodiscard]] Image sharpen3(const Image& gray);
// table[v] is the output for input v.
[[nodiscard]] Image lookup(const Image& gray, const unsigned char (&table)[256]);

}  // namespace pipeline::kernels
