// The five built-in filters against the spec (README "Filter math"): hand-computed values on tiny images. Against
// the naive double-precision reference on noise: filters_reference_test.cpp.
#include "pipeline/filters.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "filter_samples.hpp"
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

using namespace pipeline::test::samples;  // image8, gray, image16, noise16, values, check_gray8_of_size

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
