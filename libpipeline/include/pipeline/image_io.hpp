#pragma once
// Decoding through libvips; PNG encoding with libdeflate.

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>

#include "pipeline/image.hpp"

namespace pipeline {

// A file that cannot be decoded or written; what() names the file and carries libvips' message.
class ImageIoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// True if libvips recognises the file's content as a format it can load (reads only the header bytes).
[[nodiscard]] bool is_loadable_image(const std::filesystem::path& path);

// Decodes any format libvips reads and normalises it, as viewers show it: EXIF orientation applied, palette
// expanded, other colour spaces (CMYK, Lab, ...) converted to sRGB, other sample types cast to 8-bit.
// The result is grey, grey+alpha, RGB or RGBA, 8- or 16-bit. Requires initialize_vips(). Throws ImageIoError.
[[nodiscard]] Image decode_image(const std::filesystem::path& path);
[[nodiscard]] Image decode_image(std::span<const std::uint8_t> encoded);

// Writes `image` as PNG atomically: a temporary file in the same folder, flushed (fsync), then renamed over `path`,
// so a reader never sees a partial PNG. compression 0..9 is the deflate level (libdeflate's, as fast as zlib's
// level 1-2 at about zlib's ratio for the same level); rows are filtered adaptively (the PNG specification's
// heuristic; none at level 0). Only the pixels are written: no metadata chunks. Throws ImageIoError.
void write_png_atomic(const Image& image, const std::filesystem::path& path, int compression = 6);

}  // namespace pipeline
