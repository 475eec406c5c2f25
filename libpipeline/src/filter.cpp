#include "pipeline/filter.hpp"

#include <stdexcept>

#include "kernels/kernels.hpp"

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
  Image current = filters_.front()->apply(input);
  for (std::size_t i = 1; i < filters_.size(); ++i) current = filters_[i]->apply(current);
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
