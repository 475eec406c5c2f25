#pragma once
// Reads a PNG as the strictest reader would: libpng itself with every CRC checked (critical and ancillary chunks
// alike, errors rather than warnings), and each chunk's length and CRC walked by hand, independently of libpng.
// libvips and PIL accept files that libpng refuses (a wrong IEND CRC went unnoticed that way), so outputs are
// checked here, not by decoding them back through the library that wrote them.

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/image.hpp"

namespace pipeline::test {

struct StrictPng {
  Image image;                      // the pixels as libpng returns them (16-bit samples in the machine's order)
  std::vector<std::string> chunks;  // chunk types in file order, e.g. IHDR, IDAT, IEND
};

// Throws std::runtime_error naming the file and what is wrong: a CRC, a length, the signature, a missing IEND,
// bytes after IEND, or anything libpng reports.
[[nodiscard]] StrictPng read_png_strictly(const std::filesystem::path& path);

}  // namespace pipeline::test
