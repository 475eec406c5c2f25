#pragma once
// Private to the library: the HTML report's Gantt timeline of one run, a lane per worker (report/worker_lanes),
// a bar per task coloured by image, stages as strips inside their task, details on hover.

#include <cstddef>
#include <map>
#include <string>

#include "pipeline/comparison.hpp"

namespace pipeline::detail {

// Stages are dark strips inside the light task bars, one colour per stage name across the whole page.
class StageColours {
 public:
  explicit StageColours(const Comparison& comparison);
  [[nodiscard]] const std::string& operator()(const std::string& name) const { return colours_.at(name); }

 private:
  std::map<std::string, std::string> colours_;
};

// A <figure> with the run's caption and its timeline as an inline <svg>; `index` keeps the SVG's ids unique on
// the page, `baseline` says so in the caption.
[[nodiscard]] std::string gantt(const ComparisonRun& run, std::size_t index, bool baseline,
                                const StageColours& stage_colours);

}  // namespace pipeline::detail
