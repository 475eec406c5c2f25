#pragma once
// Private to the library: the HTML report's two charts, speedup and efficiency against workers, and the
// paradigms' colours that the table and both charts share.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "pipeline/analysis.hpp"
#include "pipeline/comparison.hpp"

namespace pipeline::detail {

// One colour per paradigm, the same in the table, both charts and the legends; the three built-in paradigms
// keep theirs from report to report, others take the next free colour in order of appearance.
class ParadigmColours {
 public:
  explicit ParadigmColours(const Comparison& comparison);
  [[nodiscard]] const std::string& operator()(const std::string& name) const { return colours_.at(name); }

 private:
  std::map<std::string, std::string> colours_;
  std::size_t next_other_ = 0;
};

// Medians with min-max bars, the ideal line and the curve of each of `fits` that was fitted, as an inline <svg>.
[[nodiscard]] std::string speedup_chart(const Comparison& comparison, const std::vector<AmdahlFit>& fits,
                                        const ParadigmColours& colours);
// Speedup / workers, a line per paradigm, as an inline <svg>.
[[nodiscard]] std::string efficiency_chart(const Comparison& comparison, const ParadigmColours& colours);

}  // namespace pipeline::detail
