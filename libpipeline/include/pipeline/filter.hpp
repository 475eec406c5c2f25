#pragma once
// The Filter interface and FilterChain.
//
// A filter maps an image to an 8-bit, single-band image of the same size. Implement Filter for your own
// filters and register them (filter_registry.hpp) so a chain can be rebuilt from its text spec in another
// process (the process pool's workers do exactly that). Example: examples/custom_filter.cpp.

#include <memory>
#include <string>
#include <vector>

#include "pipeline/image.hpp"

namespace pipeline {
struct StageTiming;
}

namespace pipeline {

class Filter {
 public:
  virtual ~Filter() = default;
  // The filter's spec as it would be written in a chain: "blur", "brightness=1.2".
  [[nodiscard]] virtual std::string name() const = 0;
  // Must be thread-safe: executors call apply() on one Filter object from many threads at once.
  [[nodiscard]] virtual Image apply(const Image& input) const = 0;
};

using FilterPtr = std::shared_ptr<const Filter>;

class FilterChain {
 public:
  FilterChain() = default;
  explicit FilterChain(std::vector<FilterPtr> filters);

  FilterChain& then(FilterPtr filter);
  [[nodiscard]] Image apply(const Image& input) const;
  // The same pixels, each filter applied on its own (its output materialised) and timed into `stages`, one
  // entry per filter appended in order: where the time goes, at the price of fusion.
  [[nodiscard]] Image apply_profiled(const Image& input, std::vector<StageTiming>& stages) const;
  // The same pixels as apply() (apply_profiled() when `stages` is given), written into `output` when it has the
  // result's geometry (8-bit grey of the input's size, with the built-in filters), and then the empty image is
  // returned. A result of another geometry is returned instead and `output` is left as it was. For outputs that
  // must land in given memory: built-in filters write there directly, without an intermediate image.
  [[nodiscard]] Image apply_into(const Image& input, Image& output, std::vector<StageTiming>* stages = nullptr) const;

  // "grayscale,blur,sobel,sharpen,brightness=1.2": parse_filter_chain() of this gives an equivalent chain.
  [[nodiscard]] std::string spec() const;
  [[nodiscard]] const std::vector<FilterPtr>& filters() const noexcept { return filters_; }
  [[nodiscard]] bool empty() const noexcept { return filters_.empty(); }

 private:
  std::vector<FilterPtr> filters_;
};

// Any image to the filters' native layout (8-bit, one band), exactly as the grayscale filter specifies:
// 16-bit samples reduced by v >> 8, alpha dropped, Y = 0.299 R + 0.587 G + 0.114 B rounded half up.
// Returns a copy when the input is already 8-bit grey.
[[nodiscard]] Image to_gray8(const Image& input);

}  // namespace pipeline
