// The built-in dataset: photo-sized RGB images with the structure real photos have for these filters (smooth
// gradients, hard edges, fine texture, sensor noise), generated from a seed with an explicitly specified
// generator (SplitMix64), so every platform and standard library produces the same pixels.
#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "pipeline/dataset.hpp"
#include "worker_guard.hpp"

namespace pipeline {
namespace {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  int between(int low, int high) { return low + static_cast<int>(next() % static_cast<std::uint64_t>(high - low + 1)); }

 private:
  std::uint64_t state_;
};

constexpr std::array<std::pair<int, int>, 8> photo_sizes = {
    {{1920, 1080}, {1280, 720}, {1600, 1200}, {1024, 768}, {800, 600}, {640, 480}, {1280, 960}, {1440, 1080}}};

using Rgb = std::array<double, 3>;

Rgb random_colour(SplitMix64& rng) { return {rng.unit() * 255, rng.unit() * 255, rng.unit() * 255}; }

Image make_image(int width, int height, SplitMix64& rng) {
  const std::size_t w = static_cast<std::size_t>(width);
  std::vector<double> canvas(w * static_cast<std::size_t>(height) * 3);

  // A linear gradient between two colours in a random direction.
  const Rgb from = random_colour(rng);
  const Rgb to = random_colour(rng);
  const double angle = rng.unit() * 2 * M_PI;
  const double dx = std::cos(angle) / width;
  const double dy = std::sin(angle) / height;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double t = std::clamp(0.5 + (x - width / 2.0) * dx + (y - height / 2.0) * dy, 0.0, 1.0);
      double* pixel = &canvas[(static_cast<std::size_t>(y) * w + static_cast<std::size_t>(x)) * 3];
      for (int c = 0; c < 3; ++c) pixel[c] = from[c] + (to[c] - from[c]) * t;
    }
  }

  // Hard-edged shapes: discs and rectangles, some of them translucent.
  const int shapes = rng.between(6, 18);
  for (int s = 0; s < shapes; ++s) {
    const Rgb colour = random_colour(rng);
    const double opacity = 0.5 + rng.unit() * 0.5;
    const int cx = rng.between(0, width - 1);
    const int cy = rng.between(0, height - 1);
    const int radius = rng.between(std::max(1, std::min(width, height) / 40), std::max(2, std::min(width, height) / 5));
    const bool disc = rng.next() & 1U;
    for (int y = std::max(0, cy - radius); y < std::min(height, cy + radius); ++y) {
      for (int x = std::max(0, cx - radius); x < std::min(width, cx + radius); ++x) {
        if (disc && (x - cx) * (x - cx) + (y - cy) * (y - cy) > radius * radius) continue;
        double* pixel = &canvas[(static_cast<std::size_t>(y) * w + static_cast<std::size_t>(x)) * 3];
        for (int c = 0; c < 3; ++c) pixel[c] += (colour[c] - pixel[c]) * opacity;
      }
    }
  }

  // Fine texture (a product of sines, separable so it is cheap) and per-pixel noise.
  const double fx = 0.05 + rng.unit() * 0.6;
  const double fy = 0.05 + rng.unit() * 0.6;
  const double amplitude = rng.unit() * 24;
  const double noise = 2 + rng.unit() * 10;
  std::vector<double> wave_x(w);
  for (int x = 0; x < width; ++x) wave_x[static_cast<std::size_t>(x)] = std::sin(fx * x);
  Image image = Image::uninitialized(width, height, 3);  // every sample is set below
  const std::span<std::uint8_t> pixels = image.bytes();
  for (int y = 0; y < height; ++y) {
    const double wave_y = std::sin(fy * y) * amplitude;
    for (int x = 0; x < width; ++x) {
      const std::size_t i = (static_cast<std::size_t>(y) * w + static_cast<std::size_t>(x)) * 3;
      const double texture = wave_x[static_cast<std::size_t>(x)] * wave_y;
      const std::uint64_t random = rng.next();
      for (int c = 0; c < 3; ++c) {
        const double jitter = (static_cast<double>((random >> (c * 16)) & 0xFFFF) / 65535.0 - 0.5) * 2 * noise;
        pixels[i + static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(
            std::clamp(canvas[i + static_cast<std::size_t>(c)] + texture + jitter, 0.0, 255.0) + 0.5);
      }
    }
  }
  return image;
}

}  // namespace

Batch synthetic_dataset(const SyntheticOptions& options) {
  detail::exit_if_unserved_worker();  // worker_guard.hpp
  if (options.size && (options.size->first <= 0 || options.size->second <= 0)) {
    throw std::invalid_argument(
        fmt::format("synthetic image size must be positive, got {}x{}", options.size->first, options.size->second));
  }
  Batch batch;
  batch.reserve(options.count);
  for (std::size_t i = 0; i < options.count; ++i) {
    // One generator per image, so image i is the same whatever the count.
    SplitMix64 rng(options.seed * 0x9E3779B97F4A7C15ULL + i);
    const auto [width, height] = options.size ? *options.size : photo_sizes[rng.next() % photo_sizes.size()];
    batch.push_back({fmt::format("synthetic-{:03}", i), make_image(width, height, rng)});
  }
  return batch;
}

}  // namespace pipeline
