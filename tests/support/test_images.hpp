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

// A one-page PDF of 10x10 points (10x10 pixels as libvips renders it), with its cross-reference table (poppler
// warns without one): an input that Debian's libvips decodes through one of its loadable modules (poppler).
inline constexpr const char* one_page_pdf =
    "%PDF-1.1\n"
    "1 0 obj<</Type/Catalog/Pages 2 0 R>> endobj\n"
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>> endobj\n"
    "xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000053 00000 n \n0000000103 00000 n \n"
    "trailer<</Size 4/Root 1 0 R>>\nstartxref\n165\n%%EOF\n";

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
