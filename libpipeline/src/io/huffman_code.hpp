#pragma once
// Private to the library: the Huffman codes of the fast deflate coder (fast_deflate.hpp), as DEFLATE wants them
// (RFC 1951 3.2.2): lengths limited to 15 bits (literal/length codes) or 7 (the code-length code), canonical codes.

#include <cstdint>

namespace pipeline::detail {

// The most symbols a code has here: DEFLATE's literal/length alphabet.
inline constexpr int max_symbols = 286;

// Code lengths, none over `max_bits` (at most 15), of a Huffman code for the `n` (at most max_symbols)
// frequencies `freq`, no more of them used than 2^max_bits: 0 for an unused symbol, 1 for a lone one; otherwise
// the code is complete.
void huffman_code_lengths(const std::uint32_t* freq, int n, unsigned max_bits, std::uint8_t* lengths) noexcept;

// The canonical codes of those lengths, bit-reversed for a writer that sends the least significant bit first.
void canonical_codes(const std::uint8_t* lengths, int n, std::uint16_t* codes) noexcept;

}  // namespace pipeline::detail
