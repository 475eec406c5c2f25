#pragma once
// Private to the library: the PNG encoder behind write_png_atomic (image_io.hpp).
//
// The PNG is written here rather than by libvips' pngsave: in Debian 12's libvips 8.14 that is libpng over zlib,
// which spent 150 ms deflating one 1920x1080 grey output at level 6 (half to three quarters of `run`'s time).
// libdeflate compresses the same rows at the same level about twice as fast and as small. Rows are filtered
// adaptively (per row, the filter with the least sum of absolute values, as the PNG specification recommends and
// libpng does when asked for all filters): 3-4% smaller files than libvips' default (no filtering) for the cost of
// one vectorised pass. Only IHDR, IDAT and IEND are written: the images carry no metadata.

#include <cstdint>
#include <span>
#include <vector>

#include "pipeline/image.hpp"

namespace pipeline::detail {

// How rows are filtered: one PNG filter type for every row, or adaptive (per row, the least sum of |signed byte|).
enum class RowFilter { none = 0, sub = 1, up = 2, paeth = 4, adaptive = 5 };

// What compresses the filtered rows: libdeflate at `level`, or the fast coder (fast_deflate.hpp: Huffman codes over
// literals and runs, no LZ77 search), which ignores the level.
enum class Deflater { libdeflate, fast };

struct PngSettings {
  int level = 6;  // libdeflate's, 0..12 (0: stored)
  RowFilter filter = RowFilter::adaptive;
  Deflater deflater = Deflater::libdeflate;
};

// What a zlib level `compression` (0..9) means here: 0 stored, 1 the fast coder, 2..9 libdeflate's same level;
// rows filtered adaptively but at 0.
[[nodiscard]] PngSettings settings_for(int compression);

// Writes `image` as a PNG to `fd` at zlib level `compression` (0..9). Throws std::system_error or
// std::runtime_error.
void write_png(int fd, const Image& image, int compression);

// Writes all of `bytes` to `fd` (retrying short writes and EINTR). Throws std::system_error.
void write_fully(int fd, std::span<const std::uint8_t> bytes);

// The same PNG in memory (for an output that another process writes: the mpi executor's ranks).
[[nodiscard]] std::vector<std::uint8_t> encode_png(const Image& image, int compression);
[[nodiscard]] std::vector<std::uint8_t> encode_png(const Image& image, const PngSettings& settings);

}  // namespace pipeline::detail
