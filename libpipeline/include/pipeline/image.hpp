#pragma once
// An image in memory: interleaved pixels, owned, value-semantic (a copy copies the samples).
//
// The samples come from the heap, or from shared image memory once that is on (shared_image_memory.hpp), where the
// process pool's workers read and write them in place. Image::wrap() puts an image over memory someone else owns.
//
// Decoding (see dataset.hpp) normalises every file to sRGB (or grey), orientation applied, so an Image only
// ever holds 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) bands of 8- or 16-bit unsigned samples.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace pipeline {

enum class SampleFormat : std::uint8_t { u8 = 0, u16 = 1 };

[[nodiscard]] constexpr std::size_t bytes_per_sample(SampleFormat format) noexcept {
  return format == SampleFormat::u16 ? 2 : 1;
}

class Image {
 public:
  Image() = default;
  // Zero-filled image. Throws std::invalid_argument on a zero or absurd size or a band count outside 1..4.
  Image(int width, int height, int bands = 1, SampleFormat format = SampleFormat::u8);
  // Takes `pixels` as the image's samples; its size must be exactly width * height * bands * bytes_per_sample.
  Image(int width, int height, int bands, SampleFormat format, std::vector<std::uint8_t> pixels);
  // An image whose samples are not initialised, for an output that is about to be written in full: saves a pass
  // over memory that zero-filling would cost.
  [[nodiscard]] static Image uninitialized(int width, int height, int bands = 1,
                                           SampleFormat format = SampleFormat::u8);
  // An image over `pixels`, memory it does not allocate: `release` (may be empty) is called once when the image
  // no longer uses it. `pixels` must be exactly the image's size and outlive the image. Copies of the image own
  // memory of their own.
  [[nodiscard]] static Image wrap(int width, int height, int bands, SampleFormat format, std::span<std::uint8_t> pixels,
                                  std::function<void()> release = {});

  ~Image() = default;
  Image(const Image& other);
  Image& operator=(const Image& other);
  Image(Image&& other) noexcept;
  Image& operator=(Image&& other) noexcept;

  [[nodiscard]] int width() const noexcept { return width_; }
  [[nodiscard]] int height() const noexcept { return height_; }
  [[nodiscard]] int bands() const noexcept { return bands_; }
  [[nodiscard]] SampleFormat format() const noexcept { return format_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t pixel_count() const noexcept {
    return static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_);
  }
  [[nodiscard]] std::size_t row_bytes() const noexcept {
    return static_cast<std::size_t>(width_) * static_cast<std::size_t>(bands_) * bytes_per_sample(format_);
  }
  [[nodiscard]] std::size_t size_bytes() const noexcept { return size_; }
  // True for the filters' native layout: one band of 8-bit samples.
  [[nodiscard]] bool is_gray8() const noexcept { return bands_ == 1 && format_ == SampleFormat::u8; }

  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return {pixels_.get(), size_}; }
  [[nodiscard]] std::span<std::uint8_t> bytes() noexcept { return {pixels_.get(), size_}; }
  [[nodiscard]] const std::uint8_t* row(int y) const noexcept {
    return pixels_.get() + row_bytes() * static_cast<std::size_t>(y);
  }
  [[nodiscard]] std::uint8_t* row(int y) noexcept { return pixels_.get() + row_bytes() * static_cast<std::size_t>(y); }

  // 8-bit sample accessor (band b of pixel x, y); for tests and small tools, not for kernels.
  [[nodiscard]] std::uint8_t at(int x, int y, int b = 0) const {
    return row(y)[static_cast<std::size_t>(x) * static_cast<std::size_t>(bands_) + static_cast<std::size_t>(b)];
  }
  std::uint8_t& at(int x, int y, int b = 0) {
    return row(y)[static_cast<std::size_t>(x) * static_cast<std::size_t>(bands_) + static_cast<std::size_t>(b)];
  }

  // Same geometry and samples (wherever the samples live).
  friend bool operator==(const Image& a, const Image& b) noexcept;

 private:
  // Gives the samples back to wherever they came from: the heap, shared image memory, or a wrap()'s owner.
  using Release = std::function<void(std::uint8_t*)>;
  enum class Fill { zeros, none };
  Image(int width, int height, int bands, SampleFormat format, Fill fill);

  int width_ = 0;
  int height_ = 0;
  int bands_ = 0;
  SampleFormat format_ = SampleFormat::u8;
  std::size_t size_ = 0;
  std::unique_ptr<std::uint8_t, Release> pixels_{nullptr, Release()};
};

// The unit of work: an image with the name it came from (file name, or a synthetic name).
struct NamedImage {
  std::string name;
  Image image;
};

using Batch = std::vector<NamedImage>;

// A 64-bit FNV-1a digest of the geometry and samples: cheap enough to compare every output of every run.
[[nodiscard]] std::uint64_t digest(const Image& image) noexcept;

// Largest image accepted anywhere (decoder, wire protocol): guards against absurd allocations.
inline constexpr std::int64_t max_image_pixels = std::int64_t{1} << 30;

}  // namespace pipeline
