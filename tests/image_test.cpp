#include "pipeline/image.hpp"

#include <catch2/catch.hpp>

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

TEST_CASE("a wrapped image reads and writes the given memory and gives it back once", "[image]") {
  std::vector<std::uint8_t> memory(6 * 4, 7);
  int released = 0;
  {
    Image wrapped = Image::wrap(6, 4, 1, SampleFormat::u8, memory, [&released] { ++released; });
    CHECK(wrapped.bytes().data() == memory.data());
    wrapped.at(2, 1) = 99;
    CHECK(memory[6 + 2] == 99);
    const Image copy = wrapped;  // a copy owns memory of its own
    CHECK(copy == wrapped);
    CHECK(copy.bytes().data() != memory.data());
    Image moved = std::move(wrapped);
    CHECK(released == 0);
  }
  CHECK(released == 1);
  CHECK_THROWS_AS(Image::wrap(6, 4, 1, SampleFormat::u8, std::span(memory).first(23)), std::invalid_argument);
}

TEST_CASE("an uninitialised image has its geometry, and a moved-from image is empty", "[image]") {
  Image image = Image::uninitialized(5, 3, 2, SampleFormat::u16);
  CHECK(image.size_bytes() == 5 * 3 * 2 * 2);
  CHECK(image.row(1) == image.bytes().data() + 20);
  const Image taken = std::move(image);
  CHECK(taken.width() == 5);
  CHECK(image.empty());  // NOLINT(bugprone-use-after-move): documented state
  CHECK(image.width() == 0);
  CHECK(image == Image());
}
