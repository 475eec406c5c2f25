#pragma once
// What the download tests' HTTP server (http_test_server.hpp) serves: PNG files made with the library, as bytes.

#include <cstdint>
#include <string>

#include "cli_process.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

namespace pipeline::test {

// A PNG of RGB noise (which does not compress: its size grows with width * height).
inline std::string png_bytes(int width, int height, std::uint64_t seed) {
  const TempFolder temp;
  write_png_atomic(noise_image(width, height, 3, seed), temp.path() / "image.png");
  return read_file(temp.path() / "image.png");
}

}  // namespace pipeline::test
