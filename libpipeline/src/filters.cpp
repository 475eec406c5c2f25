#include "pipeline/filters.hpp"

#include <cmath>
#include <span>
#include <stdexcept>

#include <fmt/format.h>

#include "kernels/fused_chain.hpp"
#include "kernels/row_kernels.hpp"

namespace pipeline {
namespace {

using kernels::FusedStage;

Image run_one(const Image& input, FusedStage stage) { return kernels::run_fused(input, std::span(&stage, 1)); }

}  // namespace

Image GrayscaleFilter::apply(const Image& input) const { return kernels::gray8_from_any(input); }

Image BlurFilter::apply(const Image& input) const { return run_one(input, {FusedStage::Kind::blur, {}}); }

Image SobelFilter::apply(const Image& input) const { return run_one(input, {FusedStage::Kind::sobel, {}}); }

Image SharpenFilter::apply(const Image& input) const { return run_one(input, {FusedStage::Kind::sharpen, {}}); }

BrightnessFilter::BrightnessFilter(double factor) : factor_(factor), table_{} {
  if (!std::isfinite(factor) || factor < 0.0) {
    throw std::invalid_argument(fmt::format("brightness factor must be a finite number >= 0, got {}", factor));
  }
  // All 256 answers computed once in double, exactly as specified: clamp to [0, 255], then floor(x + 0.5).
  for (int v = 0; v < 256; ++v) {
    const double scaled = std::min(static_cast<double>(v) * factor, 255.0);
    table_[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(std::floor(scaled + 0.5));
  }
}

std::string BrightnessFilter::name() const { return fmt::format("brightness={}", factor_); }

Image BrightnessFilter::apply(const Image& input) const { return run_one(input, {FusedStage::Kind::lookup, table_}); }

}  // namespace pipeline
