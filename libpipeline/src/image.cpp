#include "pipeline/image.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace pipeline {
namespace {

std::size_t checked_size(int width, int height, int bands, SampleFormat format) {
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument("image size must be positive, got " + std::to_string(width) + "x" +
                                std::to_string(height));
  }
  if (bands < 1 || bands > 4) {
    throw std::invalid_argument("image band count must be 1..4, got " + std::to_string(bands));
  }
  if (format != SampleFormat::u8 && format != SampleFormat::u16) {
    throw std::invalid_argument("unknown sample format");
  }
  const auto pixels = static_cast<std::int64_t>(width) * height;
  if (pixels > max_image_pixels) {
    throw std::invalid_argument("image of " + std::to_string(width) + "x" + std::to_string(height) +
                                " exceeds the " + std::to_string(max_image_pixels) + "-pixel limit");
  }
  return static_cast<std::size_t>(pixels) * static_cast<std::size_t>(bands) * bytes_per_sample(format);
}

}  // namespace

Image::Image(int width, int height, int bands, SampleFormat format)
    : width_(width), height_(height), bands_(bands), format_(format),
      pixels_(checked_size(width, height, bands, format)) {}

Image::Image(int width, int height, int bands, SampleFormat format, std::vector<std::uint8_t> pixels)
    : width_(width), height_(height), bands_(bands), format_(format), pixels_(std::move(pixels)) {
  const std::size_t expected = checked_size(width, height, bands, format);
  if (pixels_.size() != expected) {
    throw std::invalid_argument("pixel buffer holds " + std::to_string(pixels_.size()) + " bytes, expected " +
                                std::to_string(expected));
  }
}

std::uint64_t digest(const Image& image) noexcept {
  // FNV-1a over 8-byte words rather than bytes: 8x fewer multiplies, since every output of every run is hashed.
  std::uint64_t hash = 14695981039346656037ULL;
  auto mix = [&hash](std::uint64_t word) {
    hash ^= word;
    hash *= 1099511628211ULL;
  };
  mix(static_cast<std::uint64_t>(image.width()) << 32 | static_cast<std::uint32_t>(image.height()));
  mix(static_cast<std::uint64_t>(image.bands()) << 8 | static_cast<std::uint64_t>(image.format()));
  const auto bytes = image.bytes();
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, 8);
    mix(word);
  }
  std::uint64_t tail = 0;
  if (i < bytes.size()) std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  mix(tail ^ (static_cast<std::uint64_t>(bytes.size() - i) << 56));
  return hash;
}

}  // namespace pipeline
