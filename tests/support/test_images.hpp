#pragma once
// Small images made by the tests themselves (no files committed), and naive reference filters written
// straight from the README's formulas, to check the library's fast kernels against.

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/filter.hpp"
#include "pipeline/image.hpp"

namespace pipeline::test {

// A grey image whose pixel (x, y) is `f(x, y)`.
template <typename F>
Image gray_image(int width, int height, F&& f) {
  Image image(width, height, 1, SampleFormat::u8);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) image.at(x, y) = static_cast<std::uint8_t>(f(x, y));
  return image;
}

// Deterministic pseudo-random samples (no std::random distributions: they differ between libraries).
Image noise_image(int width, int height, int bands, std::uint64_t seed);

// RGB noise images of the given sizes, named "image-0", "image-1", ...: uneven sizes make workers finish
// out of input order.
Batch batch_of_sizes(const std::vector<std::pair<int, int>>& sizes, std::uint64_t seed);

// `count` RGB noise images named "image-0", ...: every third one (the first too) 640x480, the others tiny (9 + i
// wide, 7 high), so a pool's workers finish out of input order.
Batch large_and_tiny_batch(std::size_t count);

// A user filter as a library user would write one: 255 - grey.
class InvertFilter final : public Filter {
 public:
  [[nodiscard]] std::string name() const override { return "invert"; }
  [[nodiscard]] Image apply(const Image& input) const override {
    Image out = to_gray8(input);
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(255 - v);
    return out;
  }
};

// A fresh empty folder under the system temp folder, removed when the object goes.
class TempFolder {
 public:
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace pipeline::test
