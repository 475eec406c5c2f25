#include "pipeline/filter.hpp"

#include <algorithm>
#include <stdexcept>

#include "fusion.hpp"
#include "in_place_output.hpp"
#include "kernels/fused_chain.hpp"
#include "kernels/row_kernels.hpp"
#include "pipeline/timing.hpp"

namespace pipeline {

FilterChain::FilterChain(std::vector<FilterPtr> filters) : filters_(std::move(filters)) {
  for (const auto& filter : filters_) {
    if (!filter) throw std::invalid_argument("FilterChain: null filter");
  }
}

FilterChain& FilterChain::then(FilterPtr filter) {
  if (!filter) throw std::invalid_argument("FilterChain: null filter");
  filters_.push_back(std::move(filter));
  return *this;
}

Image FilterChain::apply(const Image& input) const {
  if (filters_.empty()) return kernels::gray8_from_any(input);
  // Runs of built-in filters go through the fused row pipeline in one pass (kernels/fused_chain.hpp); any other
  // filter is applied on its own, whole image in, whole image out. The pixels are the same either way.
  Image current;
  const Image* source = &input;
  for (std::size_t i = 0; i < filters_.size();) {
    const auto run = fused_run_from(filters_, i);
    if (run.empty()) {
      current = filters_[i++]->apply(*source);
    } else {
      current = kernels::run_fused(*source, run);
    }
    source = &current;
  }
  return current;
}

Image FilterChain::apply_into(const Image& input, Image& output, std::vector<StageTiming>* stages) const {
  const bool fits = detail::OutputGeometry::of(output) == detail::in_place_output(input.width(), input.height());
  if (stages == nullptr && fits && !filters_.empty()) {
    std::size_t next = 0;
    const auto run = fused_run_from(filters_, next);
    if (next == filters_.size()) {
      kernels::run_fused_into(input, run, output);
      return Image();
    }
  }
  // Some other filter, or profiling: the result is made as usual, then copied in if it fits.
  Image result = stages != nullptr ? apply_profiled(input, *stages) : apply(input);
  if (result.width() != output.width() || result.height() != output.height() || result.bands() != output.bands() ||
      result.format() != output.format()) {
    return result;
  }
  std::copy(result.bytes().begin(), result.bytes().end(), output.bytes().begin());
  return Image();
}

Image FilterChain::apply_profiled(const Image& input, std::vector<StageTiming>& stages) const {
  if (filters_.empty()) return kernels::gray8_from_any(input);
  Image current;
  const Image* source = &input;
  for (const auto& filter : filters_) {
    StageTiming stage{filter->name(), monotonic_seconds(), 0.0};
    current = filter->apply(*source);
    stage.end_s = monotonic_seconds();
    stages.push_back(std::move(stage));
    source = &current;
  }
  return current;
}

std::string FilterChain::spec() const {
  std::string spec;
  for (const auto& filter : filters_) {
    if (!spec.empty()) spec += ',';
    spec += filter->name();
  }
  return spec;
}

Image to_gray8(const Image& input) { return kernels::gray8_from_any(input); }

}  // namespace pipeline
