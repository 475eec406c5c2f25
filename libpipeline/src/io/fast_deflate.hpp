#pragma once
// Private to the library: a zlib stream (RFC 1950/1951) for PNG's IDAT made of literals and runs only, the
// fast coder behind PNG level 1 (png_encoder.hpp).
//
// Adaptive row filtering turns flat areas into runs of zeros and leaves the rest as small residuals, which
// LZ77's search for earlier matches barely improves on: on the default chain's outputs zlib's Z_RLE strategy
// (runs at distance 1 only) and even Z_HUFFMAN_ONLY came within 0.95-0.99x of libdeflate level 6's bytes (issue
// #16). So each block here is coded with its own dynamic Huffman code over literals and runs of a repeated byte
// (matches at distance 1, lengths 3..258), without any search; a block that would code larger than it is, is
// stored.

#include <cstddef>
#include <cstdint>

namespace pipeline::detail {

// Bytes of input per block (one Huffman code each). On the filtered rows of 10 of the default chain's outputs of
// photos, 16 KiB blocks gave 0.5% more bytes than 64 KiB, 32 KiB 0.2% more, 128 and 256 KiB within 0.1%; the
// times differed less than the shared machine's noise. 64 KiB keeps a block's tokens (2 bytes each) in L2.
inline constexpr std::size_t fast_deflate_block_bytes = std::size_t{1} << 16;

// The most bytes fast_zlib_compress writes for `size` input bytes and blocks of `block_bytes`.
[[nodiscard]] std::size_t fast_zlib_bound(std::size_t size,
                                          std::size_t block_bytes = fast_deflate_block_bytes) noexcept;

// Compresses `in` (`size` bytes) as one zlib stream into `out`, which holds at least fast_zlib_bound(size,
// block_bytes) bytes; returns the bytes written. `block_bytes` must be at least 1.
std::size_t fast_zlib_compress(const std::uint8_t* in, std::size_t size, std::uint8_t* out,
                               std::size_t block_bytes = fast_deflate_block_bytes) noexcept;

}  // namespace pipeline::detail
