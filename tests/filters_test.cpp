// The five built-in filters against the spec (README "Filter math"): hand-computed values on tiny images,
// then property checks against the naive double-precision reference (support/reference_filters.hpp).
#include "pipeline/filters.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/dataset.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image.hpp"
#include "pipeline/machine.hpp"
#include "reference_filters.hpp"
#include "test_images.hpp"

using pipeline::BlurFilter;
using pipeline::BrightnessFilter;
using pipeline::GrayscaleFilter;
using pipeline::Image;
using pipeline::SampleFormat;
using pipeline::SharpenFilter;
using pipeline::SobelFilter;
namespace reference = pipeline::test::reference;

namespace {

// An 8-bit image from its samples, row by row, bands interleaved.
Image image8(int width, int height, int bands, const std::vector<int>& samples) {
  std::vector<std::uint8_t> bytes;
  for (const int v : samples) bytes.push_back(static_cast<std::uint8_t>(v));
  return Image(width, height, bands, SampleFormat::u8, std::move(bytes));
}

Image gray(int width, int height, const std::vector<int>& samples) { return image8(width, height, 1, samples); }

// A 16-bit image from its samples (stored in the machine's byte order, as the library's images are).
Image image16(int width, int height, int bands, const std::vector<int>& samples) {
  std::vector<std::uint8_t> bytes(samples.size() * 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto v = static_cast<std::uint16_t>(samples[i]);
    std::memcpy(bytes.data() + 2 * i, &v, 2);
  }
  return Image(width, height, bands, SampleFormat::u16, std::move(bytes));
}

Image noise16(int width, int height, int bands, std::uint64_t seed) {
  const Image low = pipeline::test::noise_image(width, height, bands, seed);
  const Image high = pipeline::test::noise_image(width, height, bands, seed + 1000);
  std::vector<int> samples;
  for (std::size_t i = 0; i < low.bytes().size(); ++i) samples.push_back(high.bytes()[i] << 8 | low.bytes()[i]);
  return image16(width, height, bands, samples);
}

// The samples of an 8-bit grey output, row by row (Catch prints vectors, so a failure shows every pixel).
std::vector<int> values(const Image& image) {
  REQUIRE(image.is_gray8());
  return {image.bytes().begin(), image.bytes().end()};
}

void check_gray8_of_size(const Image& out, int width, int height) {
  CHECK(out.width() == width);
  CHECK(out.height() == height);
  CHECK(out.bands() == 1);
  CHECK(out.format() == SampleFormat::u8);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// grayscale
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("grayscale weights R, G, B by 0.299, 0.587, 0.114 and rounds half up", "[filters][grayscale]") {
  const Image rgb =
      image8(4, 2, 3, {255, 0,   0,     // 0.299 * 255 = 76.245 -> 76
                       0,   255, 0,     // 0.587 * 255 = 149.685 -> 150
                       0,   0,   255,   // 0.114 * 255 = 29.07 -> 29
                       255, 255, 255,   // (0.299 + 0.587 + 0.114) * 255 = 255
                       0,   0,   250,   // 0.114 * 250 = 28.5 exactly -> 29 (half up)
                       0,   36,  12,    // 21.132 + 1.368 = 22.5 exactly -> 23 (a naive double sum gives 22.4999...)
                       100, 0,   0,     // 29.9 -> 30
                       10,  20,  30});  // 2.99 + 11.74 + 3.42 = 18.15 -> 18
  const Image out = GrayscaleFilter().apply(rgb);
  check_gray8_of_size(out, 4, 2);
  CHECK(values(out) == std::vector<int>{76, 150, 29, 255, 29, 23, 30, 18});
}

TEST_CASE("grayscale drops alpha without compositing", "[filters][grayscale]") {
  const Image rgba = image8(4, 1, 4,
                            {255, 0, 0, 0,        // 76, alpha 0 must not make it black (or white)
                             0, 255, 0, 128,      // 150
                             0, 0, 255, 255,      // 29
                             200, 200, 200, 0});  // 200
  CHECK(values(GrayscaleFilter().apply(rgba)) == std::vector<int>{76, 150, 29, 200});

  const Image grey_alpha = image8(3, 1, 2, {77, 0, 200, 255, 0, 17});
  const Image out = GrayscaleFilter().apply(grey_alpha);
  check_gray8_of_size(out, 3, 1);
  CHECK(values(out) == std::vector<int>{77, 200, 0});
}

TEST_CASE("grayscale of grey is the grey itself (grey expands to R = G = B, and 0.299 + 0.587 + 0.114 = 1)",
          "[filters][grayscale]") {
  const Image grey = pipeline::test::noise_image(7, 5, 1, 3);
  CHECK(GrayscaleFilter().apply(grey) == grey);
  CHECK(pipeline::to_gray8(grey) == grey);
}

TEST_CASE("grayscale reduces 16-bit samples by v >> 8 before weighting", "[filters][grayscale]") {
  SECTION("grey") {
    // 0xFF00 >> 8 = 255 (v / 257 would give 254); 0x00FF >> 8 = 0 (v / 257 rounded would give 1).
    const Image grey16 = image16(5, 1, 1, {0xFF00, 0x00FF, 0x1234, 0xFFFF, 0x0000});
    const Image out = GrayscaleFilter().apply(grey16);
    check_gray8_of_size(out, 5, 1);
    CHECK(values(out) == std::vector<int>{255, 0, 0x12, 255, 0});
  }
  SECTION("RGB") {
    const Image rgb16 = image16(3, 1, 3,
                                {0x0100, 0x0100, 0x0000,    // 1, 1, 0 -> 0.886 -> 1 (weighting 16-bit first:
                                                            // 0.886 * 256 = 226.8 -> 227 >> 8 = 0)
                                 0xFFFF, 0x0000, 0x00FF,    // 255, 0, 0 -> 76
                                 0x00FF, 0x24FF, 0x0CFF});  // 0, 36, 12 -> 22.5 -> 23
    CHECK(values(GrayscaleFilter().apply(rgb16)) == std::vector<int>{1, 76, 23});
  }
  SECTION("RGBA and grey + alpha") {
    const Image rgba16 = image16(2, 1, 4, {0xFF00, 0xFF00, 0xFF00, 0x0000, 0x0100, 0x0100, 0x0000, 0xFFFF});
    CHECK(values(GrayscaleFilter().apply(rgba16)) == std::vector<int>{255, 1});
    const Image grey_alpha16 = image16(2, 1, 2, {0x8080, 0x0000, 0x01FF, 0xFFFF});
    CHECK(values(GrayscaleFilter().apply(grey_alpha16)) == std::vector<int>{128, 1});
  }
}

// ---------------------------------------------------------------------------------------------------------------
// blur: w = [e^-0.5, 1, e^-0.5] / (1 + 2 e^-0.5) = [0.2740686, 0.4518628, 0.2740686]
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("blur keeps a constant image (the weights sum to 1), whatever its size", "[filters][blur]") {
  for (const int v : {0, 1, 127, 128, 254, 255}) {
    CHECK(values(BlurFilter().apply(gray(1, 1, {v}))) == std::vector<int>{v});
    const Image flat = pipeline::test::gray_image(5, 4, [v](int, int) { return v; });
    CHECK(BlurFilter().apply(flat) == flat);
  }
}

TEST_CASE("blur replicates the edge in a single row and a single column", "[filters][blur]") {
  // One row [0, 0, 255]; the vertical pass sees that row three times (clamped), total weight 1.
  // x = 0: 0.274 * 0 + 0.452 * 0 + 0.274 * 0 = 0
  // x = 1: 0.274 * 0 + 0.452 * 0 + 0.2740686 * 255 = 69.8875 -> 70
  // x = 2: 0.274 * 0 + 0.4518628 * 255 + 0.2740686 * 255 (x = 3 clamped to 2) = 185.1125 -> 185
  const Image row = BlurFilter().apply(gray(3, 1, {0, 0, 255}));
  check_gray8_of_size(row, 3, 1);
  CHECK(values(row) == std::vector<int>{0, 70, 185});
  // The same column: the horizontal pass sees each pixel three times, the vertical does the work.
  const Image column = BlurFilter().apply(gray(1, 3, {0, 0, 255}));
  check_gray8_of_size(column, 1, 3);
  CHECK(values(column) == std::vector<int>{0, 70, 185});
}

TEST_CASE("blur of a 2x2 image, every pixel a border pixel", "[filters][blur]") {
  // [[0, 0], [0, 255]]. Horizontal pass: row 0 = [0, 0]; row 1 = [0.2740686 * 255, 0.7259314 * 255]
  // = [69.8875, 185.1125]. Vertical pass (row -1 -> 0, row 2 -> 1):
  // (0, 0): 0.2740686 * 69.8875 = 19.154 -> 19       (1, 0): 0.2740686 * 185.1125 = 50.733 -> 51
  // (0, 1): 0.7259314 * 69.8875 = 50.733 -> 51       (1, 1): 0.7259314 * 185.1125 = 134.379 -> 134
  CHECK(values(BlurFilter().apply(gray(2, 2, {0, 0, 0, 255}))) == std::vector<int>{19, 51, 51, 134});
}

TEST_CASE("blur spreads an impulse by the outer product of the weights", "[filters][blur]") {
  // 255 at the centre of 5x5 zeros: centre 0.4518628^2 * 255 = 52.07 -> 52; side 0.4518628 * 0.2740686 * 255
  // = 31.58 -> 32; corner 0.2740686^2 * 255 = 19.15 -> 19; two or more pixels away: 0.
  const Image impulse = pipeline::test::gray_image(5, 5, [](int x, int y) { return x == 2 && y == 2 ? 255 : 0; });
  CHECK(values(BlurFilter().apply(impulse)) == std::vector<int>{0, 0,  0,  0,  0,  //
                                                                0, 19, 32, 19, 0,  //
                                                                0, 32, 52, 32, 0,  //
                                                                0, 19, 32, 19, 0,  //
                                                                0, 0,  0,  0,  0});
}

// ---------------------------------------------------------------------------------------------------------------
// sobel: gx = [[-1,0,1],[-2,0,2],[-1,0,1]], gy its transpose, sqrt(gx^2 + gy^2)
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("sobel of a constant image is 0, 1x1 included", "[filters][sobel]") {
  CHECK(values(SobelFilter().apply(gray(1, 1, {200}))) == std::vector<int>{0});
  CHECK(values(SobelFilter().apply(pipeline::test::gray_image(6, 3, [](int, int) { return 99; }))) ==
        std::vector<int>(18, 0));
}

TEST_CASE("sobel of a hard 0/255 edge saturates at 255, and replicated borders see no edge", "[filters][sobel]") {
  // Columns 0, 0, 255, 255. At x = 1 and x = 2: gx = (1 + 2 + 1) * (255 - 0) = 1020, gy = 0 -> 255 (clamped).
  // At x = 0 the left neighbour is x = 0 itself (0) and the right is 0: gx = 0. Likewise x = 3 (255 | 255).
  const Image edge = pipeline::test::gray_image(4, 3, [](int x, int) { return x < 2 ? 0 : 255; });
  const Image out = SobelFilter().apply(edge);
  check_gray8_of_size(out, 4, 3);
  CHECK(values(out) == std::vector<int>{0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0});
}

TEST_CASE("sobel of a ramp in one row and in one column", "[filters][sobel]") {
  // Row [0, 10, 20]: all three kernel rows are that row (clamped), so gx = 4 * (right - left), gy = 0:
  // x = 0: 4 * (10 - 0) = 40; x = 1: 4 * (20 - 0) = 80; x = 2: 4 * (20 - 10) = 40.
  CHECK(values(SobelFilter().apply(gray(3, 1, {0, 10, 20}))) == std::vector<int>{40, 80, 40});
  // The column is the transpose: gy does the same.
  CHECK(values(SobelFilter().apply(gray(1, 3, {0, 10, 20}))) == std::vector<int>{40, 80, 40});
}

TEST_CASE("sobel of a 2x2 image combines gx and gy", "[filters][sobel]") {
  // [[0, 0], [0, 4]]; p(x, y) with clamped coordinates.
  // (0, 0): gx = (p(1,0) - p(0,0)) + 2 (p(1,0) - p(0,0)) + (p(1,1) - p(0,1)) = 0 + 0 + 4 = 4; gy = 4 likewise;
  //         sqrt(32) = 5.657 -> 6
  // (1, 0): gx = 0 + 0 + (4 - 0) = 4; gy = (p(0,1) - p(0,0)) + 2 (p(1,1) - p(1,0)) + (p(1,1) - p(1,0)) = 0 + 8 + 4
  //         = 12; sqrt(160) = 12.649 -> 13
  // (0, 1): the transpose of (1, 0): 13
  // (1, 1): gx = (4 - 0) + 2 (4 - 0) + 0 = 12, gy = 12; sqrt(288) = 16.971 -> 17
  CHECK(values(SobelFilter().apply(gray(2, 2, {0, 0, 0, 4}))) == std::vector<int>{6, 13, 13, 17});
}

// ---------------------------------------------------------------------------------------------------------------
// sharpen: [[-2,-2,-2],[-2,32,-2],[-2,-2,-2]] / 16 = (32 c - 2 * ring) / 16
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("sharpen keeps a constant image ((32 - 16) / 16 = 1), 1x1 included", "[filters][sharpen]") {
  for (const int v : {0, 1, 128, 255}) {
    CHECK(values(SharpenFilter().apply(gray(1, 1, {v}))) == std::vector<int>{v});
    const Image flat = pipeline::test::gray_image(3, 4, [v](int, int) { return v; });
    CHECK(SharpenFilter().apply(flat) == flat);
  }
}

TEST_CASE("sharpen overshoot clamps to 0 and to 255", "[filters][sharpen]") {
  // 255 in the middle of 3x3 zeros: centre (32 * 255) / 16 = 510 -> 255; every other pixel has the centre once in
  // its ring: -2 * 255 / 16 = -31.9 -> 0.
  const Image impulse = pipeline::test::gray_image(3, 3, [](int x, int y) { return x == 1 && y == 1 ? 255 : 0; });
  CHECK(values(SharpenFilter().apply(impulse)) == std::vector<int>{0, 0, 0, 0, 255, 0, 0, 0, 0});
  // The negative: centre (0 - 2 * 8 * 255) / 16 = -255 -> 0; others (32 * 255 - 2 * 7 * 255) / 16 = 286.9 -> 255.
  const Image hole = pipeline::test::gray_image(3, 3, [](int x, int y) { return x == 1 && y == 1 ? 0 : 255; });
  CHECK(values(SharpenFilter().apply(hole)) == std::vector<int>{255, 255, 255, 255, 0, 255, 255, 255, 255});
}

TEST_CASE("sharpen rounds exact halves up (not to even)", "[filters][sharpen]") {
  // 3x3, 96 around 108: centre (32 * 108 - 2 * 8 * 96) / 16 = (3456 - 1536) / 16 = 120;
  // every other pixel: ring = 7 * 96 + 108 = 780 (clamping duplicates only border pixels):
  // (32 * 96 - 2 * 780) / 16 = (3072 - 1560) / 16 = 94.5 -> 95 (half to even would give 94).
  const Image image = pipeline::test::gray_image(3, 3, [](int x, int y) { return x == 1 && y == 1 ? 108 : 96; });
  CHECK(values(SharpenFilter().apply(image)) == std::vector<int>{95, 95, 95, 95, 120, 95, 95, 95, 95});
}

TEST_CASE("sharpen replicates the edge in a single row and a single column", "[filters][sharpen]") {
  // Row [0, 6, 0]; the rows above and below are the row itself.
  // x = 1: ring = (0 + 6 + 0) above + 0 + 0 + (0 + 6 + 0) below = 12; (32 * 6 - 24) / 16 = 10.5 -> 11.
  // x = 0: ring = (0 + 0 + 6) + 0 + 6 + (0 + 0 + 6) = 18; (0 - 36) / 16 < 0 -> 0. x = 2 likewise.
  CHECK(values(SharpenFilter().apply(gray(3, 1, {0, 6, 0}))) == std::vector<int>{0, 11, 0});
  CHECK(values(SharpenFilter().apply(gray(1, 3, {0, 6, 0}))) == std::vector<int>{0, 11, 0});
  // 2x2 [[10, 20], [30, 40]], (0, 0): ring = 10 + 10 + 20 (row -1 = row 0) + 10 + 20 + 30 + 30 + 40 = 170;
  // (320 - 340) / 16 = -1.25 -> 0. (1, 1): ring = 10 + 20 + 20 + 30 + 40 + 30 + 40 + 40 = 230;
  // (1280 - 460) / 16 = 51.25 -> 51. (1, 0): ring = 10 + 20 + 20 + 10 + 20 + 30 + 40 + 40 = 190;
  // (640 - 380) / 16 = 16.25 -> 16. (0, 1): ring = 10 + 10 + 20 + 30 + 40 + 30 + 30 + 40 = 210;
  // (960 - 420) / 16 = 33.75 -> 34.
  CHECK(values(SharpenFilter().apply(gray(2, 2, {10, 20, 30, 40}))) == std::vector<int>{0, 16, 34, 51});
}

// ---------------------------------------------------------------------------------------------------------------
// brightness
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("brightness multiplies, clamps at 255 and rounds half up", "[filters][brightness]") {
  SECTION("default factor 1.2") {
    CHECK(BrightnessFilter().factor() == 1.2);
    // 0 -> 0; 100 * 1.2 = 120; 212 * 1.2 = 254.4 -> 254; 213 * 1.2 = 255.6 -> 255; 250 * 1.2 = 300 -> 255
    CHECK(values(BrightnessFilter().apply(gray(6, 1, {0, 100, 212, 213, 250, 255}))) ==
          std::vector<int>{0, 120, 254, 255, 255, 255});
  }
  SECTION("exact halves round up, not to even") {
    // 0.5: 1 -> 0.5 -> 1; 5 -> 2.5 -> 3 (even: 2); 254 -> 127; 255 -> 127.5 -> 128 (0.5 is exact in binary)
    CHECK(values(BrightnessFilter(0.5).apply(gray(4, 1, {1, 5, 254, 255}))) == std::vector<int>{1, 3, 127, 128});
    // 1.5: 3 -> 4.5 -> 5 (even: 4); 1.25: 2 -> 2.5 -> 3
    CHECK(values(BrightnessFilter(1.5).apply(gray(1, 1, {3}))) == std::vector<int>{5});
    CHECK(values(BrightnessFilter(1.25).apply(gray(1, 1, {2}))) == std::vector<int>{3});
    // 1.1: 5 -> 5.5 -> 6
    CHECK(values(BrightnessFilter(1.1).apply(gray(1, 1, {5}))) == std::vector<int>{6});
  }
  SECTION("factor 0 makes everything black, 1 changes nothing, 2 saturates the upper half") {
    const Image noise = pipeline::test::noise_image(9, 4, 1, 11);
    CHECK(values(BrightnessFilter(0.0).apply(noise)) == std::vector<int>(36, 0));
    CHECK(BrightnessFilter(1.0).apply(noise) == noise);
    CHECK(values(BrightnessFilter(2.0).apply(gray(3, 1, {127, 128, 200}))) == std::vector<int>{254, 255, 255});
  }
  SECTION("fractional factors darken") {
    // 0.3: 5 -> 1.5 -> 2; 10 -> 3; 100 -> 30; 255 -> 76.5 -> 77 (0.3 is not exact in binary, but 5 * 0.3 and
    // 255 * 0.3 still land exactly on 1.5 and 76.5 in double)
    CHECK(values(BrightnessFilter(0.3).apply(gray(4, 1, {5, 10, 100, 255}))) == std::vector<int>{2, 3, 30, 77});
  }
}

TEST_CASE("brightness rejects a negative or non-finite factor", "[filters][brightness]") {
  CHECK_THROWS_AS(BrightnessFilter(-0.5), std::invalid_argument);
  CHECK_THROWS_AS(BrightnessFilter(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(BrightnessFilter(INFINITY), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------------------
// any input
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("every filter converts a non-grey input as grayscale does first", "[filters]") {
  const std::vector<Image> inputs = {pipeline::test::noise_image(7, 5, 3, 1),
                                     pipeline::test::noise_image(7, 5, 4, 2),
                                     pipeline::test::noise_image(7, 5, 2, 3),
                                     noise16(7, 5, 3, 4),
                                     noise16(7, 5, 1, 5),
                                     noise16(7, 5, 4, 6)};
  const std::vector<pipeline::FilterPtr> filters = {
      std::make_shared<BlurFilter>(), std::make_shared<SobelFilter>(), std::make_shared<SharpenFilter>(),
      std::make_shared<BrightnessFilter>(), std::make_shared<BrightnessFilter>(0.7)};
  for (const Image& input : inputs) {
    const Image grey = GrayscaleFilter().apply(input);
    for (const auto& filter : filters) {
      INFO(filter->name() << " of " << input.bands() << " bands, " << 8 * pipeline::bytes_per_sample(input.format())
                          << "-bit");
      const Image out = filter->apply(input);
      check_gray8_of_size(out, input.width(), input.height());
      CHECK(out == filter->apply(grey));
    }
  }
  // By hand: RGB (0, 0, 250) -> grey 28.5 -> 29 -> brightness 29 * 1.2 = 34.8 -> 35.
  CHECK(values(BrightnessFilter().apply(image8(1, 1, 3, {0, 0, 250}))) == std::vector<int>{35});
}

// ---------------------------------------------------------------------------------------------------------------
// property checks against the reference
// ---------------------------------------------------------------------------------------------------------------

namespace {

const std::vector<std::pair<int, int>> property_sizes = {{1, 1}, {1, 7}, {7, 1}, {2, 2}, {3, 5}, {64, 33}, {257, 129}};

}  // namespace

TEST_CASE("grayscale equals the reference exactly on noise of every layout", "[filters][grayscale][reference]") {
  std::uint64_t seed = 100;
  for (const auto& [width, height] : property_sizes) {
    for (const int bands : {1, 2, 3, 4}) {
      for (const bool sixteen : {false, true}) {
        const Image input =
            sixteen ? noise16(width, height, bands, seed++) : pipeline::test::noise_image(width, height, bands, seed++);
        INFO(width << "x" << height << ", " << bands << " bands, " << (sixteen ? 16 : 8) << "-bit");
        CHECK(GrayscaleFilter().apply(input) == reference::grayscale(input));
      }
    }
  }
}

TEST_CASE("grayscale equals the reference at every exact .5 of the 8-bit RGB cube", "[filters][grayscale][reference]") {
  // 299 R + 587 G + 114 B = 1000 k + 500 are the only inputs where the rounding direction is in question.
  std::vector<int> samples;
  for (int r = 0; r < 256; ++r)
    for (int g = 0; g < 256; ++g)
      for (int b = 0; b < 256; ++b)
        if ((299 * r + 587 * g + 114 * b) % 1000 == 500) samples.insert(samples.end(), {r, g, b});
  REQUIRE(samples.size() / 3 > 1000);
  const Image input = image8(static_cast<int>(samples.size() / 3), 1, 3, samples);
  CHECK(GrayscaleFilter().apply(input) == reference::grayscale(input));
}

TEST_CASE("sobel, sharpen and brightness equal the reference exactly on noise", "[filters][reference]") {
  std::uint64_t seed = 200;
  for (const auto& [width, height] : property_sizes) {
    INFO(width << "x" << height);
    const Image grey = pipeline::test::noise_image(width, height, 1, seed++);
    // Also a low-contrast image, where sobel and sharpen stay inside 0..255 and rounding decides every pixel.
    Image soft = grey;
    for (auto& v : soft.bytes()) v = static_cast<std::uint8_t>(100 + v % 24);
    for (const Image* input : std::vector<const Image*>{&grey, &soft}) {
      CHECK(SobelFilter().apply(*input) == reference::sobel(*input));
      CHECK(SharpenFilter().apply(*input) == reference::sharpen(*input));
      for (const double factor : {1.2, 0.0, 0.5, 1.1, 0.3, 2.5}) {
        INFO("brightness=" << factor);
        CHECK(BrightnessFilter(factor).apply(*input) == reference::brightness(*input, factor));
      }
    }
    const Image rgb = pipeline::test::noise_image(width, height, 3, seed++);
    CHECK(SobelFilter().apply(rgb) == reference::sobel(rgb));
    CHECK(SharpenFilter().apply(rgb) == reference::sharpen(rgb));
    CHECK(BrightnessFilter().apply(rgb) == reference::brightness(rgb));
  }
}

TEST_CASE("blur matches the reference within 1 everywhere and exactly on >= 99.99% of pixels",
          "[filters][blur][reference]") {
  // The library blurs in float, the reference in double; the two can only round differently where the true
  // value is within float's error (255 * a few 1e-7, well under 1e-3) of a .5 boundary, and then by exactly 1.
  std::size_t pixels = 0;
  std::size_t mismatches = 0;
  std::uint64_t seed = 300;
  for (const auto& [width, height] : property_sizes) {
    for (int variant = 0; variant < 3; ++variant) {
      const Image grey = pipeline::test::noise_image(width, height, 1, seed++);
      const Image out = BlurFilter().apply(grey);
      const Image expected = reference::blur(grey);
      check_gray8_of_size(out, width, height);
      for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
          ++pixels;
          const int got = out.at(x, y);
          const int want = expected.at(x, y);
          if (got == want) continue;
          ++mismatches;
          const double exact = reference::blur_unrounded(grey, x, y);
          INFO(width << "x" << height << " at (" << x << ", " << y << "): got " << got << ", reference " << want
                     << ", unrounded " << exact);
          CHECK(std::abs(got - want) == 1);
          CHECK(std::abs(exact - std::floor(exact) - 0.5) < 1e-3);
        }
      }
    }
  }
  INFO(mismatches << " of " << pixels << " pixels differ");
  CHECK(static_cast<double>(mismatches) <= 1e-4 * static_cast<double>(pixels));
  // A colour input goes through grayscale first, then the same blur.
  const Image rgb = pipeline::test::noise_image(64, 33, 3, 399);
  CHECK(BlurFilter().apply(rgb) == BlurFilter().apply(reference::grayscale(rgb)));
}

// ---------------------------------------------------------------------------------------------------------------
// the default chain
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("the default chain equals the reference chain wherever the blur rounded the same", "[filters][chain]") {
  // A fixed photo-like RGB image (gradients, hard-edged shapes, texture, noise), 160x120.
  pipeline::SyntheticOptions options;
  options.count = 1;
  options.seed = 7;
  options.size = std::pair{160, 120};
  const Image input = pipeline::synthetic_dataset(options).front().image;

  const pipeline::FilterChain chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const Image out = chain.apply(input);
  const Image expected = reference::chain(pipeline::default_filter_spec, input);
  check_gray8_of_size(out, 160, 120);

  // Honest tolerance: every stage but blur is integer-exact, so the chain can differ from the reference only
  // downstream of a pixel where the float blur rounded a value within ~1e-5 of .5 the other way. sobel then
  // sharpen each read a 3x3 neighbourhood, so such a pixel reaches at most the 5x5 square around it; there
  // the difference can be amplified (sobel up to ~3, sharpen x2 plus its ring, brightness x1.2), so no small
  // bound is honest. Everywhere else the chain must be exact, and such pixels must be rare.
  const Image grey = reference::grayscale(input);
  const Image blurred = pipeline::BlurFilter().apply(grey);
  const Image blurred_reference = reference::blur(grey);
  std::vector<bool> tainted(input.pixel_count(), false);
  std::size_t blur_mismatches = 0;
  for (int y = 0; y < 120; ++y) {
    for (int x = 0; x < 160; ++x) {
      if (blurred.at(x, y) == blurred_reference.at(x, y)) continue;
      ++blur_mismatches;
      for (int dy = -2; dy <= 2; ++dy)
        for (int dx = -2; dx <= 2; ++dx)
          if (x + dx >= 0 && x + dx < 160 && y + dy >= 0 && y + dy < 120)
            tainted[static_cast<std::size_t>((y + dy) * 160 + x + dx)] = true;
    }
  }
  CHECK(blur_mismatches <= 2);  // 1e-4 of 19200 pixels
  std::size_t differing = 0;
  for (int y = 0; y < 120; ++y) {
    for (int x = 0; x < 160; ++x) {
      if (out.at(x, y) == expected.at(x, y)) continue;
      ++differing;
      INFO("(" << x << ", " << y << "): chain " << int{out.at(x, y)} << ", reference " << int{expected.at(x, y)});
      CHECK(tainted[static_cast<std::size_t>(y * 160 + x)]);
    }
  }
  // The chain is the filters one after another, each exactly as the library applies it alone.
  Image stepwise = input;
  for (const auto& filter : chain.filters()) stepwise = filter->apply(stepwise);
  CHECK(out == stepwise);
  // And the image is not degenerate: the chain's output has real structure to compare.
  std::size_t non_zero = 0;
  for (const auto v : out.bytes()) non_zero += v != 0 ? 1 : 0;
  CHECK(non_zero > out.pixel_count() / 4);
  CHECK(differing <= 25 * blur_mismatches);
}

TEST_CASE("the kernels in use are the ones PIPELINE_PORTABLE_KERNELS asks for, and reports name them",
          "[filters][kernels]") {
  // ctest runs every [filters] case a second time with PIPELINE_PORTABLE_KERNELS=1 (tests/CMakeLists.txt); this
  // case proves that second run really took the portable loops.
  const char* portable = std::getenv("PIPELINE_PORTABLE_KERNELS");
  const std::string kernels = pipeline::describe_machine().kernels;
  INFO("kernels: " << kernels);
  if (portable != nullptr && *portable != '\0' && std::string(portable) != "0") {  // as kernel_isa.cpp reads it
    CHECK(kernels.find("portable hand-written kernels (PIPELINE_PORTABLE_KERNELS)") == 0);
    CHECK(kernels.find("AVX2 grayscale") == std::string::npos);
  } else {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    __builtin_cpu_init();
    CHECK((kernels.find("AVX2 grayscale") != std::string::npos) == (__builtin_cpu_supports("avx2") != 0));
    CHECK((kernels.find("AVX-512 VBMI lookup") != std::string::npos) == (__builtin_cpu_supports("avx512vbmi") != 0));
#endif
    CHECK(kernels.find("PIPELINE_PORTABLE_KERNELS") == std::string::npos);
  }
  CHECK(kernels.find("compiler-vectorised loops for ") != std::string::npos);
}
