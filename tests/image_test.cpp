#include <catch2/catch.hpp>

#include "pipeline/image.hpp"

using pipeline::Image;
using pipeline::SampleFormat;

TEST_CASE("an image owns zeroed pixels of its geometry", "[image]") {
  const Image image(3, 2, 4, SampleFormat::u16);
  CHECK(image.width() == 3);
  CHECK(image.height() == 2);
  CHECK(image.row_bytes() == 3 * 4 * 2);
  CHECK(image.size_bytes() == 3 * 2 * 4 * 2);
  for (auto byte : image.bytes()) CHECK(byte == 0);
}

TEST_CASE("an image rejects impossible geometry", "[image]") {
  CHECK_THROWS_AS(Image(0, 5), std::invalid_argument);
  CHECK_THROWS_AS(Image(5, -1), std::invalid_argument);
  CHECK_THROWS_AS(Image(5, 5, 5), std::invalid_argument);
  CHECK_THROWS_AS(Image(1 << 16, 1 << 16), std::invalid_argument);
  CHECK_THROWS_AS(Image(2, 2, 1, SampleFormat::u8, std::vector<std::uint8_t>(3)), std::invalid_argument);
}

TEST_CASE("the digest tells images apart by pixels and by geometry", "[image]") {
  Image a(4, 4);
  Image b(4, 4);
  CHECK(pipeline::digest(a) == pipeline::digest(b));
  b.at(3, 3) = 1;
  CHECK(pipeline::digest(a) != pipeline::digest(b));
  CHECK(pipeline::digest(Image(2, 8)) != pipeline::digest(Image(8, 2)));
  CHECK(pipeline::digest(Image(2, 2, 1)) != pipeline::digest(Image(1, 2, 2)));
}
