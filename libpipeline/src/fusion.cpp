#include "fusion.hpp"

#include <optional>

#include "pipeline/filters.hpp"

namespace pipeline {
namespace {

// The built-in filters as stages of a fused run; nullopt for any other filter.
std::optional<kernels::FusedStage> as_fused_stage(const Filter& filter) {
  using Kind = kernels::FusedStage::Kind;
  if (dynamic_cast<const GrayscaleFilter*>(&filter)) return kernels::FusedStage{Kind::grayscale, {}};
  if (dynamic_cast<const BlurFilter*>(&filter)) return kernels::FusedStage{Kind::blur, {}};
  if (dynamic_cast<const SobelFilter*>(&filter)) return kernels::FusedStage{Kind::sobel, {}};
  if (dynamic_cast<const SharpenFilter*>(&filter)) return kernels::FusedStage{Kind::sharpen, {}};
  if (const auto* brightness = dynamic_cast<const BrightnessFilter*>(&filter)) {
    return kernels::FusedStage{Kind::lookup, brightness->table()};
  }
  return std::nullopt;
}

}  // namespace

std::vector<kernels::FusedStage> fused_run_from(const std::vector<FilterPtr>& filters, std::size_t& next) {
  std::vector<kernels::FusedStage> run;
  for (; next < filters.size(); ++next) {
    auto stage = as_fused_stage(*filters[next]);
    if (!stage) break;
    run.push_back(*stage);
  }
  return run;
}

}  // namespace pipeline
