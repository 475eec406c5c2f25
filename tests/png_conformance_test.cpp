// Every PNG the library writes, read back by libpng itself with every CRC checked (support/strict_png.hpp): odd
// sizes (1x1, one row, one column, widths that are not a multiple of the vector widths), every layout the encoder
// writes (grey, grey+alpha, RGB, RGBA; 8 and 16 bits) and every compression level, stored (0) and the fast coder
// (1) included.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/image.hpp"
#include "pipeline/image_io.hpp"
#include "strict_png.hpp"
#include "test_images.hpp"

using pipeline::Image;
using pipeline::SampleFormat;

namespace {

Image sixteen_bit_noise(int width, int height, int bands, std::uint64_t seed) {
  const Image bytes = pipeline::test::noise_image(width * 2, height, bands, seed);
  Image image(width, height, bands, SampleFormat::u16);
  std::copy(bytes.bytes().begin(), bytes.bytes().end(), image.bytes().begin());
  return image;
}

const std::vector<std::pair<int, int>> odd_sizes{{1, 1},  {1, 37}, {53, 1}, {7, 5},  {9, 3},   {15, 2}, {17, 4},
                                                 {31, 3}, {33, 2}, {63, 3}, {65, 2}, {127, 2}, {129, 3}};

}  // namespace

TEST_CASE("every PNG the encoder writes passes libpng with strict CRC checks and holds the pixels", "[png]") {
  pipeline::test::TempFolder temp;
  const int compression = GENERATE(0, 1, 6, 9);
  const int bands = GENERATE(1, 2, 3, 4);
  const SampleFormat format = GENERATE(SampleFormat::u8, SampleFormat::u16);
  std::uint64_t seed = 1;
  for (const auto& [width, height] : odd_sizes) {
    const Image image = format == SampleFormat::u8 ? pipeline::test::noise_image(width, height, bands, seed++)
                                                   : sixteen_bit_noise(width, height, bands, seed++);
    const auto path = temp.path() / "out.png";
    pipeline::write_png_atomic(image, path, compression);
    INFO(width << "x" << height << ", " << bands << " band(s), " << (format == SampleFormat::u8 ? 8 : 16)
               << " bits, level " << compression);
    pipeline::test::StrictPng png;
    REQUIRE_NOTHROW(png = pipeline::test::read_png_strictly(path));
    CHECK(png.chunks == std::vector<std::string>{"IHDR", "IDAT", "IEND"});
    CHECK(png.image == image);
  }
}

TEST_CASE("level 1's fast coder writes PNGs libpng reads back for widths 1 to 17 with runs and noise", "[png]") {
  // Level 1 is the fast coder (Huffman codes over literals and runs): images with flat bands, which filter to runs
  // of zeros (and of the filter type bytes), next to noise, at every width up to 17.
  pipeline::test::TempFolder temp;
  const int bands = GENERATE(1, 2, 3, 4);
  const SampleFormat format = GENERATE(SampleFormat::u8, SampleFormat::u16);
  std::uint64_t seed = 100;
  for (int width = 1; width <= 17; ++width) {
    const int height = 1 + width % 5 * 9;
    Image image = format == SampleFormat::u8 ? pipeline::test::noise_image(width, height, bands, seed++)
                                             : sixteen_bit_noise(width, height, bands, seed++);
    const std::size_t row_bytes = image.row_bytes();
    for (int y = 0; y < height; ++y) {
      if (y % 3 == 0) std::fill_n(image.row(y), row_bytes, std::uint8_t{0});
      if (y % 3 == 1) std::fill_n(image.row(y), row_bytes / 2, std::uint8_t{255});
    }
    const auto path = temp.path() / "out.png";
    pipeline::write_png_atomic(image, path, 1);
    INFO(width << "x" << height << ", " << bands << " band(s), " << (format == SampleFormat::u8 ? 8 : 16) << " bits");
    pipeline::test::StrictPng png;
    REQUIRE_NOTHROW(png = pipeline::test::read_png_strictly(path));
    CHECK(png.image == image);
  }
}

TEST_CASE("the strict reader refuses a PNG whose IEND CRC is wrong", "[png]") {
  // The check the encoder's IEND defect escaped: libvips and PIL read such a file, libpng does not.
  pipeline::test::TempFolder temp;
  const auto path = temp.path() / "bad-iend.png";
  pipeline::write_png_atomic(pipeline::test::noise_image(4, 4, 1, 3), path);
  {
    std::FILE* file = std::fopen(path.c_str(), "r+b");
    REQUIRE(file != nullptr);
    std::fseek(file, -4, SEEK_END);
    const unsigned char zeros[4] = {0, 0, 0, 0};
    std::fwrite(zeros, 1, 4, file);
    std::fclose(file);
  }
  CHECK_THROWS_WITH(pipeline::test::read_png_strictly(path), Catch::Matchers::Contains("IEND"));
}
