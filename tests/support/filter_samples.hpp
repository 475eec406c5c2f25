#pragma once
// Tiny images written sample by sample, and checks of the filters' outputs, for the filter tests.

#include <cstdint>
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/image.hpp"
#include "test_images.hpp"

namespace pipeline::test::samples {

// An 8-bit image from its samples, row by row, bands interleaved.
inline Image image8(int width, int height, int bands, const std::vector<int>& samples) {
  std::vector<std::uint8_t> bytes;
  for (const int v : samples) bytes.push_back(static_cast<std::uint8_t>(v));
  return Image(width, height, bands, SampleFormat::u8, std::move(bytes));
}

inline Image gray(int width, int height, const std::vector<int>& samples) { return image8(width, height, 1, samples); }

// A 16-bit image from its samples (stored in the machine's byte order, as the library's images are).
inline Image image16(int width, int height, int bands, const std::vector<int>& samples) {
  std::vector<std::uint8_t> bytes(samples.size() * 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto v = static_cast<std::uint16_t>(samples[i]);
    std::memcpy(bytes.data() + 2 * i, &v, 2);
  }
  return Image(width, height, bands, SampleFormat::u16, std::move(bytes));
}

inline Image noise16(int width, int height, int bands, std::uint64_t seed) {
  const Image low = pipeline::test::noise_image(width, height, bands, seed);
  const Image high = pipeline::test::noise_image(width, height, bands, seed + 1000);
  std::vector<int> samples;
  for (std::size_t i = 0; i < low.bytes().size(); ++i) samples.push_back(high.bytes()[i] << 8 | low.bytes()[i]);
  return image16(width, height, bands, samples);
}

// The samples of an 8-bit grey output, row by row (Catch prints vectors, so a failure shows every pixel).
inline std::vector<int> values(const Image& image) {
  REQUIRE(image.is_gray8());
  return {image.bytes().begin(), image.bytes().end()};
}

inline void check_gray8_of_size(const Image& out, int width, int height) {
  CHECK(out.width() == width);
  CHECK(out.height() == height);
  CHECK(out.bands() == 1);
  CHECK(out.format() == SampleFormat::u8);
}

}  // namespace pipeline::test::samples
