// The five built-in filters against the naive double-precision reference (support/reference_filters.hpp) on
// noise of every layout, the default chain against the reference chain, and which kernels are in use. The spec's
// hand-computed values: filters_test.cpp.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "filter_samples.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/filters.hpp"
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
using namespace pipeline::test::samples;  // image8, noise16, check_gray8_of_size

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
