#include "pipeline/filters.hpp"

#include <cmath>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "kernels/kernels.hpp"

namespace pipeline {
namespace {

// Runs `kernel` on the input as 8-bit grey, converting first (as the grayscale filter does) only when needed.
template <typename Kernel>
Image on_gray(const Image& input, Kernel&& kernel) {
  if (input.is_gray8()) return kernel(input);
  return kernel(kernels::gray8_from_any(input));
}

}  // namespace

Image GrayscaleFilter::apply(const Image& input) const { return kernels::gray8_from_any(input); }

Image BlurFilter::apply(const Image& input) const { return on_gray(input, kernels::blur3); }

Image SobelFilter::apply(const Image& input) const { return on_gray(input, kernels::sobel3); }

Image SharpenFilter::apply(const Image& input) const { return on_gray(input, kernels::sharpen3); }

BrightnessFilter::BrightnessFilter(double factor) : factor_(factor), table_{} {
  if (!std::isfinite(factor) || factor < 0.0) {
    throw std::invalid_argument(fmt::format("brightness factor must be a finite number >= 0, got {}", factor));
  }
  // All 256 answers computed once in double, exactly as specified: clamp to [0, 255], then floor(x + 0.5).
  for (int v = 0; v < 256; ++v) {
    const double scaled = std::min(static_cast<double>(v) * factor, 255.0);
    table_[v] = static_cast<unsigned char>(std::floor(scaled + 0.5));
  }
}

std::string BrightnessFilter::name() const { return fmt::format("brightness={}", factor_); }

Image BrightnessFilter::apply(const Image& input) const {
  return on_gray(input, [this](const Image& gray) { return kernels::lookup(gray, table_); });
}

}  // namespace pipeline
