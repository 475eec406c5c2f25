#pragma once
// Small images made by the tests themselves (no files committed), and naive reference filters written
// straight from the README's formulas, to check the library's fast kernels against.

#include <cstdint>
#include <filesystem>
#include <string>

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
