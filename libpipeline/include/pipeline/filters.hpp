#pragma once
// The five built-in filters. Exact math (README "Filter math"): borders replicate the edge pixel,
// results are clamped to [0, 255] then rounded half up, floor(x + 0.5). Every filter accepts any image:
// one that is not 8-bit grey is first converted as GrayscaleFilter does.

#include <array>
#include <cstdint>

#include "pipeline/filter.hpp"

namespace pipeline {

// Y = 0.299 R + 0.587 G + 0.114 B (integer-exact), after 16-bit -> 8-bit (v >> 8) and dropping alpha.
class GrayscaleFilter final : public Filter {
 public:
  [[nodiscard]] std::string name() const override { return "grayscale"; }
  [[nodiscard]] Image apply(const Image& input) const override;
};

// Separable 3-tap Gaussian, sigma = 1: w = [e^-0.5, 1, e^-0.5] / (1 + 2 e^-0.5), rounded once at the end.
class BlurFilter final : public Filter {
 public:
  [[nodiscard]] std::string name() const override { return "blur"; }
  [[nodiscard]] Image apply(const Image& input) const override;
};

// Gradient magnitude sqrt(gx^2 + gy^2) of the 3x3 Sobel kernels.
class SobelFilter final : public Filter {
 public:
  [[nodiscard]] std::string name() const override { return "sobel"; }
  [[nodiscard]] Image apply(const Image& input) const override;
};

// [[-2,-2,-2],[-2,32,-2],[-2,-2,-2]] / 16.
class SharpenFilter final : public Filter {
 public:
  [[nodiscard]] std::string name() const override { return "sharpen"; }
  [[nodiscard]] Image apply(const Image& input) const override;
};

// v * factor. The factor must be finite and >= 0.
class BrightnessFilter final : public Filter {
 public:
  explicit BrightnessFilter(double factor = 1.2);
  [[nodiscard]] std::string name() const override;
  [[nodiscard]] Image apply(const Image& input) const override;
  [[nodiscard]] double factor() const noexcept { return factor_; }
  // The output for every input value.
  [[nodiscard]] const std::array<std::uint8_t, 256>& table() const noexcept { return table_; }

 private:
  double factor_;
  std::array<std::uint8_t, 256> table_;
};

}  // namespace pipeline
