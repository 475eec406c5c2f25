#pragma once
// Private to the library: the HTML report's primitives. Escaping for text and attributes, a run's label, linear
// scales and round ticks, and the axes and legends that both charts share.

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/executor.hpp"

namespace pipeline::detail {

// For text and attribute values alike (every attribute the report writes is double-quoted). Control characters,
// which HTML does not allow in text, become U+FFFD so that an odd file name cannot break the page.
[[nodiscard]] std::string escape(std::string_view text);

// "threads x4": how every part of the page names a run.
[[nodiscard]] std::string run_label(const BatchResult& batch);

// `value` to `decimals` places and `suffix`, or "-" when it is not finite.
[[nodiscard]] std::string fixed(double value, int decimals, const char* suffix = "");

// A linear map from data to pixels.
struct Scale {
  double d0 = 0.0, d1 = 1.0, r0 = 0.0, r1 = 1.0;
  [[nodiscard]] double operator()(double v) const { return d1 == d0 ? r0 : r0 + (v - d0) / (d1 - d0) * (r1 - r0); }
};

// A round tick step (1, 2 or 5 times a power of ten) giving about `target` ticks over `span`.
[[nodiscard]] double nice_step(double span, int target);
// The multiples of `step` in [from, to].
[[nodiscard]] std::vector<double> ticks(double from, double to, double step);
// A tick's value with as many decimals as its step needs.
[[nodiscard]] std::string tick_label(double value, double step);

// The plotting area of a chart, in the SVG's own pixels.
struct Frame {
  double width = 600.0, height = 380.0;
  double left = 58.0, right = 420.0, top = 16.0, bottom = 322.0;
};

// Grid, axes, ticks and axis titles of an x/y chart.
[[nodiscard]] std::string axes(const Frame& f, const Scale& x, const std::vector<double>& x_ticks, double x_step,
                               const Scale& y, const std::vector<double>& y_ticks, double y_step,
                               std::string_view x_title, std::string_view y_title);

// A legend entry at the chart's right: a sample of the mark, a name and an optional second line.
[[nodiscard]] std::string legend_entry(const Frame& f, int row, std::string_view sample, std::string_view name,
                                       std::string_view detail = {});
// Legend samples: a point, a point on its line, the dashed ideal line.
[[nodiscard]] std::string point_sample(const std::string& colour);
[[nodiscard]] std::string point_and_line_sample(const std::string& colour);
[[nodiscard]] std::string dashed_sample();

}  // namespace pipeline::detail
