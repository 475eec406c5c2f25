// The comparison as one self-contained HTML page: the conditions, the table, a speedup and an efficiency chart,
// the Amdahl fits, the observations and a Gantt timeline per run, all drawn as inline SVG from the same figures
// as the terminal report. Nothing is fetched (no scripts, fonts, images or style sheets from elsewhere), so the
// file reads the same offline, attached to an issue, or years later. Hover details are SVG <title> elements:
// every browser shows them and they need no script.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pipeline/analysis.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/report.hpp"
#include "report/worker_lanes.hpp"

namespace pipeline {
namespace {

// For text and attribute values alike (every attribute below is double-quoted). Control characters, which
// HTML does not allow in text, become U+FFFD so that an odd file name cannot break the page.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string run_label(const BatchResult& batch) { return fmt::format("{} x{}", batch.executor, batch.workers); }

// One colour per paradigm, the same in the table, both charts and the legends; the three built-in paradigms
// keep theirs from report to report, others take the next free colour in order of appearance.
class ParadigmColours {
 public:
  explicit ParadigmColours(const Comparison& comparison) {
    for (const auto& run : comparison.runs) {
      const std::string& name = run.batch.executor;
      if (colours_.count(name) != 0) continue;
      if (name == "sequential") {
        colours_[name] = "#64748b";
      } else if (name == "threads") {
        colours_[name] = "#2563eb";
      } else if (name == "processes") {
        colours_[name] = "#ea580c";
      } else {
        static constexpr const char* others[] = {"#059669", "#9333ea", "#db2777", "#0891b2", "#ca8a04", "#4d7c0f"};
        colours_[name] = others[next_other_++ % std::size(others)];
      }
    }
  }
  [[nodiscard]] const std::string& operator()(const std::string& name) const { return colours_.at(name); }

 private:
  std::map<std::string, std::string> colours_;
  std::size_t next_other_ = 0;
};

// Images are told apart by hue: the golden angle spreads any number of them so that neighbours in the batch
// (often the ones running side by side) never look alike, and image i has the same colour in every run.
std::string image_colour(std::size_t index) {
  const double hue = std::fmod(static_cast<double>(index) * 137.50776405, 360.0);
  return fmt::format("hsl({:.0f},62%,64%)", hue);
}

// Stages are dark strips inside the light task bars, one colour per stage name across the whole page.
class StageColours {
 public:
  explicit StageColours(const Comparison& comparison) {
    static constexpr const char* palette[] = {"#1e3a8a", "#065f46", "#7c2d12", "#581c87",
                                              "#831843", "#134e4a", "#713f12", "#374151"};
    for (const auto& run : comparison.runs) {
      for (const auto& task : run.batch.tasks) {
        for (const auto& stage : task.record.stages) {
          if (colours_.count(stage.name) == 0) colours_[stage.name] = palette[colours_.size() % std::size(palette)];
        }
      }
    }
  }
  [[nodiscard]] const std::string& operator()(const std::string& name) const { return colours_.at(name); }

 private:
  std::map<std::string, std::string> colours_;
};

// A linear map from data to pixels.
struct Scale {
  double d0 = 0.0, d1 = 1.0, r0 = 0.0, r1 = 1.0;
  [[nodiscard]] double operator()(double v) const { return d1 == d0 ? r0 : r0 + (v - d0) / (d1 - d0) * (r1 - r0); }
};

// A round tick step (1, 2 or 5 times a power of ten) giving about `target` ticks over `span`.
double nice_step(double span, int target) {
  if (!(span > 0.0) || !std::isfinite(span)) return 1.0;
  const double raw = span / target;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / power;
  return power * (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0);
}

std::vector<double> ticks(double from, double to, double step) {
  std::vector<double> out;
  const double first = std::ceil(from / step - 1e-9) * step;
  for (int k = 0;; ++k) {
    const double v = first + k * step;
    if (v > to + step * 1e-9 || k > 1000) break;
    out.push_back(v);
  }
  return out;
}

std::string tick_label(double value, double step) {
  const int decimals = step >= 1.0 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fmt::format("{:.{}f}", std::abs(value) < step * 1e-6 ? 0.0 : value, decimals);
}

std::string fixed(double value, int decimals, const char* suffix = "") {
  return std::isfinite(value) ? fmt::format("{:.{}f}{}", value, decimals, suffix) : std::string("-");
}

std::string bytes_text(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b < 1e3) return fmt::format("{} B", bytes);
  if (b < 1e6) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{:.2f} MB", b / 1e6);
}

// The plotting area of a chart, in the SVG's own pixels.
struct Frame {
  double width = 600.0, height = 380.0;
  double left = 58.0, right = 420.0, top = 16.0, bottom = 322.0;
};

// Grid, axes, ticks and axis titles of an x/y chart.
std::string axes(const Frame& f, const Scale& x, const std::vector<double>& x_ticks, double x_step, const Scale& y,
                 const std::vector<double>& y_ticks, double y_step, std::string_view x_title, std::string_view y_title) {
  std::string out = "<g class=\"axes\">\n";
  for (const double v : y_ticks) {
    const double py = y(v);
    out += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
                       "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                       f.left, py, f.right, py, f.left - 7.0, py + 4.0, tick_label(v, y_step));
  }
  for (const double v : x_ticks) {
    const double px = x(v);
    out += fmt::format("<line class=\"axis\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
                       "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                       px, f.bottom, px, f.bottom + 5.0, px, f.bottom + 19.0, tick_label(v, x_step));
  }
  out += fmt::format("<path class=\"axis\" d=\"M{:.1f} {:.1f}V{:.1f}H{:.1f}\"/>\n", f.left, f.top, f.bottom, f.right);
  out += fmt::format("<text class=\"axis-title\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                     (f.left + f.right) / 2.0, f.bottom + 40.0, escape(x_title));
  out += fmt::format("<text class=\"axis-title\" transform=\"translate({:.1f} {:.1f}) rotate(-90)\" "
                     "text-anchor=\"middle\">{}</text>\n",
                     f.left - 42.0, (f.top + f.bottom) / 2.0, escape(y_title));
  return out + "</g>\n";
}

// A legend entry at the chart's right: a sample of the mark, a name and an optional second line.
std::string legend_entry(const Frame& f, int row, std::string_view sample, std::string_view name,
                         std::string_view detail = {}) {
  const double y = f.top + 8.0 + row * 36.0;
  const double x = f.right + 22.0;
  std::string out = fmt::format("<g class=\"legend-entry\" transform=\"translate({:.1f} {:.1f})\">{}"
                                "<text x=\"34\" y=\"4\">{}</text>",
                                x, y, sample, escape(name));
  if (!detail.empty()) out += fmt::format("<text class=\"detail\" x=\"34\" y=\"19\">{}</text>", escape(detail));
  return out + "</g>\n";
}

std::string point_sample(const std::string& colour) {
  return fmt::format("<circle cx=\"14\" cy=\"0\" r=\"4.5\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1.5\"/>", colour);
}

std::string point_and_line_sample(const std::string& colour) {
  return fmt::format("<line x1=\"0\" y1=\"0\" x2=\"28\" y2=\"0\" stroke=\"{0}\" stroke-width=\"2\"/>"
                     "<circle cx=\"14\" cy=\"0\" r=\"4.5\" fill=\"{0}\" stroke=\"#fff\" stroke-width=\"1.5\"/>",
                     colour);
}

std::string dashed_sample() {
  return "<line class=\"ideal\" x1=\"0\" y1=\"0\" x2=\"28\" y2=\"0\"/>";
}

// Paradigms in order of appearance: the baseline's first, then as the comparison ran them.
std::vector<std::string> paradigms(const Comparison& comparison) {
  std::vector<std::string> names;
  for (const auto& run : comparison.runs) {
    if (std::find(names.begin(), names.end(), run.batch.executor) == names.end()) names.push_back(run.batch.executor);
  }
  return names;
}

// Runs at the same worker count are drawn side by side, a few pixels apart, so that none hides another.
std::vector<double> dodge_offsets(const Comparison& comparison) {
  std::map<int, std::vector<std::size_t>> at_workers;
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) at_workers[comparison.runs[r].batch.workers].push_back(r);
  std::vector<double> offsets(comparison.runs.size(), 0.0);
  for (const auto& [workers, indices] : at_workers) {
    const double middle = (static_cast<double>(indices.size()) - 1.0) / 2.0;
    for (std::size_t j = 0; j < indices.size(); ++j) offsets[indices[j]] = (static_cast<double>(j) - middle) * 9.0;
  }
  return offsets;
}

int largest_workers(const Comparison& comparison) {
  int most = 2;  // a chart from 1 to 1 worker would have no width
  for (const auto& run : comparison.runs) most = std::max(most, run.batch.workers);
  return most;
}

// The x axis of both charts: workers from 0, so that the ideal line runs through the corner, to a little past
// the largest count; every count is a tick when there are few.
struct WorkerAxis {
  Scale scale;
  std::vector<double> ticks;
  double step = 1.0;
};

WorkerAxis worker_axis(const Comparison& comparison, const Frame& f) {
  const int most = largest_workers(comparison);
  WorkerAxis axis;
  const double end = most + std::max(0.3, most * 0.04);
  axis.scale = {0.0, end, f.left, f.right};
  axis.step = most <= 16 ? 1.0 : std::max(1.0, nice_step(most, 8));
  axis.ticks = ticks(axis.step, most, axis.step);
  if (axis.step > 1.0) axis.ticks.insert(axis.ticks.begin(), 1.0);
  return axis;
}

std::string speedup_chart(const Comparison& comparison, const ParadigmColours& colours) {
  const Frame f;
  const WorkerAxis x = worker_axis(comparison, f);
  const double baseline = comparison.baseline().seconds.median;
  const auto speedup_at = [baseline](double seconds) { return seconds > 0.0 ? baseline / seconds : std::numeric_limits<double>::quiet_NaN(); };

  double top = largest_workers(comparison);  // the ideal line's end
  for (const auto& run : comparison.runs) {
    const double fastest = speedup_at(run.seconds.min);
    if (std::isfinite(fastest)) top = std::max(top, fastest);
    if (std::isfinite(run.speedup)) top = std::max(top, run.speedup);
  }
  const double y_step = nice_step(top * 1.05, 6);
  const double y_top = std::ceil(top * 1.05 / y_step) * y_step;
  const Scale y{0.0, y_top, f.bottom, f.top};

  std::string out = fmt::format(
      "<svg id=\"speedup-chart\" class=\"chart\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" "
      "aria-labelledby=\"speedup-chart-title\">\n"
      "<title id=\"speedup-chart-title\">Speedup against workers</title>\n"
      "<defs><clipPath id=\"speedup-plot\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>"
      "</clipPath></defs>\n",
      f.width, f.height, f.left, f.top, f.right - f.left, f.bottom - f.top);
  out += axes(f, x.scale, x.ticks, x.step, y, ticks(0.0, y_top, y_step), y_step, "workers (p)", "speedup (S)");

  out += "<g clip-path=\"url(#speedup-plot)\">\n";
  // Speedup 1: no faster than the sequential run.
  out += fmt::format("<line class=\"reference\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\">"
                     "<title>speedup 1: as fast as the sequential run</title></line>\n",
                     f.left, y(1.0), f.right, y(1.0));
  out += fmt::format("<line class=\"ideal\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\">"
                     "<title>ideal: speedup = workers</title></line>\n",
                     x.scale(1.0), y(1.0), x.scale(x.scale.d1), y(x.scale.d1));

  const auto fits = fit_amdahl(comparison);
  for (const auto& fit : fits) {
    if (fit.kind != AmdahlFit::Kind::fitted) continue;  // a curve would predict what the fit cannot support
    // Sampled finely enough to look smooth.
    std::string d;
    bool drawing = false;
    constexpr int samples = 80;
    for (int i = 0; i <= samples; ++i) {
      const double p = 1.0 + (x.scale.d1 - 1.0) * i / samples;
      const double s = amdahl_speedup(fit.parallel_fraction, p);
      if (!std::isfinite(s) || s < 0.0 || s > y_top * 2.0) {
        drawing = false;
        continue;
      }
      d += fmt::format("{}{:.1f} {:.1f}", drawing ? "L" : "M", x.scale(p), y(s));
      drawing = true;
    }
    out += fmt::format("<path class=\"amdahl\" data-executor=\"{}\" d=\"{}\" stroke=\"{}\">"
                       "<title>{}: Amdahl fit, P = {:.3f} from {} point(s), max speedup {}</title></path>\n",
                       escape(fit.executor), d, colours(fit.executor), escape(fit.executor), fit.parallel_fraction,
                       fit.points, std::isfinite(fit.max_speedup) ? fmt::format("{:.1f}x", fit.max_speedup) : "unbounded");
  }
  out += "</g>\n";

  const auto offsets = dodge_offsets(comparison);
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    const ComparisonRun& run = comparison.runs[r];
    if (!std::isfinite(run.speedup)) continue;
    const double px = x.scale(run.batch.workers) + offsets[r];
    const double slowest = speedup_at(run.seconds.max);
    const double fastest = speedup_at(run.seconds.min);
    const std::string& colour = colours(run.batch.executor);
    out += fmt::format("<g class=\"point\" data-executor=\"{}\" data-workers=\"{}\">"
                       "<title>{}{}: {:.2f}x median speedup ({:.3f} s); runs from {}x (slowest) to {}x (fastest), "
                       "{} measured</title>",
                       escape(run.batch.executor), run.batch.workers, escape(run_label(run.batch)),
                       r == 0 ? " (baseline)" : "", run.speedup, run.seconds.median, fixed(slowest, 2),
                       fixed(fastest, 2), run.repeat_seconds.size());
    if (std::isfinite(slowest) && std::isfinite(fastest)) {
      out += fmt::format("<path class=\"range\" d=\"M{0:.1f} {1:.1f}V{2:.1f}M{3:.1f} {1:.1f}h8M{3:.1f} {2:.1f}h8\" "
                         "stroke=\"{4}\"/>",
                         px, y(slowest), y(fastest), px - 4.0, colour);
    }
    out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"{}\"/></g>\n", px, y(run.speedup), colour);
  }

  int row = 0;
  for (const auto& name : paradigms(comparison)) {
    const auto fit = std::find_if(fits.begin(), fits.end(), [&](const AmdahlFit& a) { return a.executor == name; });
    if (name == comparison.baseline().batch.executor && fit == fits.end()) {
      out += legend_entry(f, row++, point_sample(colours(name)), name, "baseline");
    } else if (fit != fits.end()) {
      out += legend_entry(f, row++, point_and_line_sample(colours(name)), name,
                          fmt::format("Amdahl fit P = {:.3f}", fit->parallel_fraction));
    } else {
      out += legend_entry(f, row++, point_sample(colours(name)), name, "no fit (needs p >= 2)");
    }
  }
  out += legend_entry(f, row++, dashed_sample(), "ideal", "S = p");
  out += legend_entry(f, row++, "<path class=\"range\" d=\"M14 -7V7M10 -7h8M10 7h8\" stroke=\"#6b7280\"/>"
                      "<circle cx=\"14\" cy=\"0\" r=\"4\" fill=\"#6b7280\"/>",
                      "median", "bar: fastest..slowest");
  return out + "</svg>\n";
}

std::string efficiency_chart(const Comparison& comparison, const ParadigmColours& colours) {
  const Frame f;
  const WorkerAxis x = worker_axis(comparison, f);
  double top = 100.0;
  for (const auto& run : comparison.runs) {
    if (std::isfinite(run.efficiency)) top = std::max(top, run.efficiency * 100.0);
  }
  const double y_step = nice_step(top * 1.08, 6);
  const double y_top = std::ceil(top * 1.08 / y_step) * y_step;
  const Scale y{0.0, y_top, f.bottom, f.top};

  std::string out = fmt::format(
      "<svg id=\"efficiency-chart\" class=\"chart\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" "
      "aria-labelledby=\"efficiency-chart-title\">\n"
      "<title id=\"efficiency-chart-title\">Efficiency against workers</title>\n",
      f.width, f.height);
  out += axes(f, x.scale, x.ticks, x.step, y, ticks(0.0, y_top, y_step), y_step, "workers (p)", "efficiency S / p (%)");
  out += fmt::format("<line class=\"ideal\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\">"
                     "<title>100%: every worker as productive as the sequential run</title></line>\n",
                     f.left, y(100.0), f.right, y(100.0));

  const auto offsets = dodge_offsets(comparison);
  for (const auto& name : paradigms(comparison)) {
    std::vector<std::pair<double, double>> line;  // (px, py) in worker order; runs come in that order already
    std::string points;
    for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
      const ComparisonRun& run = comparison.runs[r];
      if (run.batch.executor != name || !std::isfinite(run.efficiency)) continue;
      const double px = x.scale(run.batch.workers) + offsets[r];
      const double py = y(run.efficiency * 100.0);
      line.emplace_back(px, py);
      points += fmt::format("<g class=\"point\" data-executor=\"{}\" data-workers=\"{}\"><title>{}: efficiency "
                            "{:.1f}% (speedup {:.2f}x on {} worker(s))</title>"
                            "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"{}\"/></g>\n",
                            escape(name), run.batch.workers, escape(run_label(run.batch)), run.efficiency * 100.0,
                            run.speedup, run.batch.workers, px, py, colours(name));
    }
    std::sort(line.begin(), line.end());
    if (line.size() > 1) {
      std::string d;
      for (const auto& [px, py] : line) d += fmt::format("{}{:.1f} {:.1f}", d.empty() ? "M" : "L", px, py);
      out += fmt::format("<path class=\"series\" d=\"{}\" stroke=\"{}\"/>\n", d, colours(name));
    }
    out += points;
  }

  int row = 0;
  for (const auto& name : paradigms(comparison)) {
    out += legend_entry(f, row++, point_and_line_sample(colours(name)), name,
                        name == comparison.baseline().batch.executor ? "baseline" : "");
  }
  out += legend_entry(f, row++, dashed_sample(), "100%", "ideal");
  return out + "</svg>\n";
}

std::string task_title(const TaskRecord& record, std::size_t index, std::size_t count, double origin) {
  std::string title = fmt::format("{} (image {} of {})\npid {}, thread {}, cpu {} → {}\nstart {:.3f} ms, "
                                  "duration {:.3f} ms",
                                  record.image, index + 1, count, record.pid, record.tid,
                                  record.cpu_start >= 0 ? std::to_string(record.cpu_start) : "?",
                                  record.cpu_end >= 0 ? std::to_string(record.cpu_end) : "?",
                                  (record.start_s - origin) * 1e3, record.seconds() * 1e3);
  if (record.bytes_sent != 0 || record.bytes_received != 0 || record.transfer_s != 0.0) {
    title += fmt::format("\nsent {}, received {}, transfer {:.3f} ms", bytes_text(record.bytes_sent),
                         bytes_text(record.bytes_received), record.transfer_s * 1e3);
  }
  if (!record.stages.empty()) {
    title += "\nstages:";
    for (const auto& stage : record.stages) title += fmt::format(" {} {:.3f} ms;", stage.name, stage.seconds() * 1e3);
    title.pop_back();
  }
  if (!record.ok()) title += "\nFAILED: " + record.error;
  return escape(title);
}

std::string gantt(const ComparisonRun& run, std::size_t index, bool baseline, const StageColours& stage_colours) {
  const BatchResult& batch = run.batch;
  // A worker that got no task still has its (empty) lane; a task that never reached a worker is listed apart.
  const detail::WorkerLanes grouped = detail::worker_lanes(batch, true);
  const auto& lanes = grouped.lanes;
  const auto& never_ran = grouped.never_ran;
  const double origin = batch.start_s;
  double span = grouped.last_end_s - origin;
  if (!(span > 0.0)) span = 1e-3;

  constexpr double width = 1100.0, left = 236.0, right = 1040.0, top = 8.0, lane_height = 18.0, lane_gap = 6.0;
  const double lanes_bottom = top + static_cast<double>(lanes.size()) * (lane_height + lane_gap);
  std::vector<std::string> stage_names;
  for (const auto& task : batch.tasks) {
    for (const auto& stage : task.record.stages) {
      if (std::find(stage_names.begin(), stage_names.end(), stage.name) == stage_names.end()) {
        stage_names.push_back(stage.name);
      }
    }
  }
  const double height = lanes_bottom + 40.0 + (stage_names.empty() ? 0.0 : 24.0);
  const Scale x{0.0, span * 1e3, left, right};
  const auto at = [&](double seconds) { return std::clamp(x((seconds - origin) * 1e3), left, right); };

  const std::string id = fmt::format("gantt-{}", index);
  std::string out = fmt::format(
      "<svg id=\"{0}\" class=\"gantt\" data-run=\"{1}\" data-lanes=\"{2}\" viewBox=\"0 0 {3:.0f} {4:.0f}\" role=\"img\" "
      "aria-label=\"timeline of {1}\">\n"
      "<defs><pattern id=\"{0}-failed\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fee2e2\"/>"
      "<rect width=\"3\" height=\"6\" fill=\"#dc2626\"/></pattern>"
      "<pattern id=\"{0}-startup\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f3f4f6\"/>"
      "<rect width=\"2\" height=\"6\" fill=\"#cbd5e1\"/></pattern></defs>\n",
      id, escape(run_label(batch)), lanes.size(), width, height);

  // Time grid first, so that the lanes and tasks lie on top of it.
  const double step = nice_step(span * 1e3, 10);
  for (const double ms : ticks(0.0, span * 1e3, step)) {
    out += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>"
                       "<text class=\"tick\" x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
                       x(ms), top, lanes_bottom, lanes_bottom + 14.0, tick_label(ms, step));
  }
  out += fmt::format("<text class=\"axis-title\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">ms since the run "
                     "started ({:.1f} ms in all)</text>\n",
                     (left + right) / 2.0, lanes_bottom + 32.0, span * 1e3);

  std::size_t row = 0;
  for (const auto& [worker, lane] : lanes) {
    const double y = top + static_cast<double>(row++) * (lane_height + lane_gap);
    std::string ids;
    std::string all_ids;
    for (const auto& [pid, tid] : lane.os_ids) {
      all_ids += fmt::format("{}pid {} tid {}", all_ids.empty() ? "" : "; ", pid, tid);
    }
    if (lane.os_ids.empty()) {
      ids = "no task";
    } else {
      ids = fmt::format("pid {} · tid {}", lane.os_ids.begin()->first, lane.os_ids.begin()->second);
      if (lane.os_ids.size() > 1) ids += fmt::format(" +{}", lane.os_ids.size() - 1);
    }
    out += fmt::format("<g class=\"lane\" data-worker=\"{}\">\n"
                       "<text class=\"lane-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">worker {} · {}"
                       "<title>worker {}: {} task(s), {}</title></text>\n"
                       "<rect class=\"lane-bg\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>\n",
                       worker, left - 8.0, y + lane_height / 2.0 + 4.0, worker, escape(ids), worker, lane.tasks.size(),
                       escape(all_ids.empty() ? std::string("no process seen") : all_ids), left, y, right - left,
                       lane_height);
    // A pool that was not ready when the run began (processes: workers starting, loading libvips, answering the
    // handshake) shows that time hatched in every lane, before the first task.
    if (batch.startup_seconds() > 0.0) {
      out += fmt::format("<rect class=\"startup\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                         "fill=\"url(#{}-startup)\"><title>pool start-up: {:.3f} ms until every worker was ready"
                         "</title></rect>\n",
                         left, y, at(batch.ready_s) - left, lane_height, id, batch.startup_seconds() * 1e3);
    }
    for (const std::size_t t : lane.tasks) {
      const TaskRecord& record = batch.tasks[t].record;
      const double x0 = at(record.start_s);
      const double w = std::max(at(record.end_s) - x0, 0.8);  // the shortest task still shows
      // Bars wide enough to spare it end 0.6 px early, so that back-to-back tasks stay apart; narrower ones keep
      // all their width (an outline would wash out their colour).
      const double drawn = w >= 3.0 ? w - 0.6 : w;
      out += fmt::format("<g><title>{}</title>", task_title(record, t, batch.tasks.size(), origin));
      if (record.ok()) {
        out += fmt::format("<rect class=\"task\" data-image=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                           "height=\"{:.1f}\" fill=\"{}\"/>",
                           t, x0, y, drawn, lane_height, image_colour(t));
      } else {
        out += fmt::format("<rect class=\"task failed\" data-image=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                           "height=\"{:.1f}\" fill=\"url(#{}-failed)\"/>",
                           t, x0, y, drawn, lane_height, id);
      }
      out += "</g>\n";
      // Stages inside a bar too narrow to show them are still listed in the task's title; skipping them keeps
      // a page of thousands of tiny tasks small.
      if (w < 3.0) continue;
      for (const auto& stage : record.stages) {
        const double s0 = at(stage.start_s);
        out += fmt::format("<rect class=\"stage\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                           "fill=\"{}\"><title>{}: {} {:.3f} ms</title></rect>\n",
                           s0, y + lane_height * 0.55, std::max(at(stage.end_s) - s0, 0.5), lane_height * 0.45,
                           stage_colours(stage.name), escape(record.image), escape(stage.name), stage.seconds() * 1e3);
      }
    }
    out += fmt::format("<text class=\"busy\" x=\"{:.1f}\" y=\"{:.1f}\">{:.0f}%<title>worker {} busy {:.0f}% of the "
                       "run</title></text>\n</g>\n",
                       right + 8.0, y + lane_height / 2.0 + 4.0, 100.0 * lane.busy_s / span, worker,
                       100.0 * lane.busy_s / span);
  }
  out += fmt::format("<path class=\"axis\" d=\"M{:.1f} {:.1f}H{:.1f}\"/>\n", left, lanes_bottom, right);

  if (!stage_names.empty()) {
    double lx = left;
    const double ly = lanes_bottom + 50.0;
    out += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">stages</text>", left - 8.0,
                       ly + 4.0);
    for (const auto& name : stage_names) {
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"10\" fill=\"{}\"/>"
                         "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>",
                         lx, ly - 4.0, stage_colours(name), lx + 16.0, ly + 5.0, escape(name));
      lx += 28.0 + 7.0 * static_cast<double>(name.size());
    }
    out += "\n";
  }
  out += "</svg>\n";

  std::size_t failed = 0;
  for (const auto& task : batch.tasks) failed += task.record.ok() ? 0 : 1;
  double busy = 0.0;
  for (const auto& [worker, lane] : lanes) busy += lane.busy_s;
  std::string caption = fmt::format("{}{}", escape(run_label(batch)), baseline ? " (baseline)" : "");
  std::string detail = fmt::format("{:.1f} ms, the measured run nearest the median; {} task(s) on {} lane(s), workers "
                                   "busy {:.0f}% of the time",
                                   batch.seconds() * 1e3, batch.tasks.size(), lanes.size(),
                                   100.0 * busy / (span * static_cast<double>(lanes.size())));
  if (batch.startup_seconds() > 0.0) {
    detail += fmt::format("; the pool was starting for the first {:.1f} ms (hatched grey)", batch.startup_seconds() * 1e3);
  }
  if (failed > 0) detail += fmt::format("; {} failed (hatched red)", failed);
  std::string figure = fmt::format("<figure class=\"timeline\"><figcaption>{} <span>{}</span></figcaption>\n{}",
                                   caption, escape(detail), out);
  if (!never_ran.empty()) {
    figure += "<p class=\"note bad\">Never ran:";
    for (const std::size_t t : never_ran) {
      const TaskRecord& record = batch.tasks[t].record;
      figure += fmt::format(" {} ({});", escape(record.image), escape(record.ok() ? "no record" : record.error));
    }
    figure.pop_back();
    figure += "</p>\n";
  }
  return figure + "</figure>\n";
}

std::string conditions_html(const Comparison& comparison, const RunConditions& conditions) {
  const MachineInfo& machine = conditions.machine;
  std::string out = "<dl class=\"conditions\">\n";
  const auto item = [&out](std::string_view term, const std::string& html) {
    out += fmt::format("<dt>{}</dt><dd>{}</dd>\n", term, html);
  };
  item("Dataset", fmt::format("{}, {} images, {:.1f} MP", escape(conditions.dataset.source), conditions.dataset.images,
                              conditions.dataset.megapixels));
  item("Filters", fmt::format("<code>{}</code>", escape(conditions.filters)));
  item("Machine", fmt::format("{}, {} logical CPUs; {}{}", escape(machine.cpu_model), machine.logical_cpus,
                              escape(machine.os), machine.hostname.empty() ? "" : "; host " + escape(machine.hostname)));
  item("libvips", fmt::format("{} with {} thread(s) per operation, operation cache {}", escape(machine.libvips_version),
                              conditions.vips.concurrency,
                              conditions.vips.cache_max_operations == 0
                                  ? std::string("off")
                                  : fmt::format("{} operations", conditions.vips.cache_max_operations)));
  if (!machine.compiler.empty()) item("Compiler", escape(machine.compiler));
  if (!machine.kernels.empty()) item("Kernels", escape(machine.kernels));
  item("Timing", escape(measurement_method(comparison, conditions)) + "; Spread = slowest / fastest");
  return out + "</dl>\n";
}

std::string table_html(const Comparison& comparison, const RunConditions& conditions, const ParadigmColours& colours) {
  const unsigned cpus = conditions.machine.logical_cpus;
  const auto oversubscribed = [cpus](const ComparisonRun& run) {
    return cpus > 0 && static_cast<unsigned>(run.batch.workers) > cpus;
  };
  std::string out =
      "<table class=\"runs\">\n<thead><tr><th>Paradigm</th><th>Workers</th><th>Time (ms)</th>"
      "<th title=\"slowest / fastest measured run\">Spread</th><th>Speedup</th><th>Efficiency</th>"
      "<th title=\"Karp-Flatt serial fraction (1/S - 1/p) / (1 - 1/p)\">e</th><th>Start-up (ms)</th><th>PIDs</th>"
      "<th>Threads</th><th>Cores</th><th>Identical</th></tr></thead>\n<tbody>\n";
  for (const auto& run : comparison.runs) {
    const bool baseline = &run == &comparison.baseline();
    const std::string workers =
        oversubscribed(run)
            ? fmt::format("{}<span class=\"flag\" title=\"more workers than the {} logical CPUs\">*</span>",
                          run.batch.workers, cpus)
            : std::to_string(run.batch.workers);
    const std::string spread =
        run.seconds.min > 0.0
            ? (run.seconds.large()
                   ? fmt::format("<span class=\"flag\" title=\"slowest run more than {:.2f}x the fastest\">{:.2f}!</span>",
                                 Spread::large_ratio, run.seconds.max / run.seconds.min)
                   : fmt::format("{:.2f}", run.seconds.max / run.seconds.min))
            : std::string("-");
    const std::string identical = baseline ? "baseline"
                                  : run.identical_to_sequential ? "<span class=\"good\">yes</span>"
                                                                : "<span class=\"bad\">NO</span>";
    out += fmt::format("<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td><td>{:.2f}</td>"
                       "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{}</td></tr>\n",
                       colours(run.batch.executor), escape(run.batch.executor), workers, run.seconds.median * 1e3, spread,
                       fixed(run.speedup, 2, "x"), fixed(run.efficiency * 100.0, 1, "%"),
                       karp_flatt_text(run.speedup, run.batch.workers), run.startup_s * 1e3, run.observed.processes,
                       run.observed.threads, run.observed.cores, identical);
  }
  out += "</tbody>\n</table>\n<ul class=\"notes\">\n";
  if (std::any_of(comparison.runs.begin(), comparison.runs.end(), oversubscribed)) {
    out += fmt::format("<li>* more workers than the {} logical CPUs (oversubscribed)</li>\n", cpus);
  }
  if (std::any_of(comparison.runs.begin(), comparison.runs.end(), [](const ComparisonRun& r) { return r.seconds.large(); })) {
    out += fmt::format("<li>! slowest run more than {:.2f}x the fastest: the machine was noisy; more repeats narrow the "
                       "median</li>\n",
                       Spread::large_ratio);
  }
  out += "<li>e: Karp-Flatt experimentally determined serial fraction, (1/S - 1/p) / (1 - 1/p); rising with p means "
         "overhead growing with the workers, not a fixed serial part. Start-up: starting the pool, once, before the "
         "timed runs. PIDs, Threads, Cores: what the task records saw running filters.</li>\n";
  for (const auto& note : karp_flatt_notes(comparison)) out += "<li>" + escape(note) + ".</li>\n";
  for (const auto& run : comparison.runs) {
    for (const auto& task : run.batch.tasks) {
      if (task.record.ok()) continue;
      out += fmt::format("<li class=\"bad\">FAILED {} ({}): {}</li>\n", escape(task.record.image),
                         escape(run_label(run.batch)), escape(task.record.error));
    }
    if (!run.identical_to_sequential) {
      std::string names;
      for (const auto& name : run.mismatched_images) names += (names.empty() ? "" : ", ") + escape(name);
      out += fmt::format("<li class=\"bad\">MISMATCH {}: outputs differ from sequential for {}</li>\n",
                         escape(run_label(run.batch)), names);
    }
  }
  if (comparison.runs.size() > 1) {
    out += comparison.all_identical()
               ? "<li>All runs produced outputs identical to the sequential run (per-image digest).</li>\n"
               : "<li class=\"bad\">Some runs produced outputs that differ from the sequential run: see MISMATCH.</li>\n";
  }
  return out + "</ul>\n";
}

std::string fits_html(const Comparison& comparison, unsigned logical_cpus) {
  const auto fits = fit_amdahl(comparison, logical_cpus);
  if (fits.empty()) return "<p class=\"note\">No parallel run with 2 or more workers: nothing to fit.</p>\n";
  std::string out = "<p class=\"note\">Least squares on the law's linear form 1 - 1/S = P (1 - 1/p) over the measured "
                    "worker counts.</p>\n<ul class=\"fits\">\n";
  // The same sentence as the text and Markdown reports (describe_fit), so the three never disagree.
  for (const auto& fit : fits) {
    out += fmt::format("<li><strong>{}</strong>: {}</li>\n", escape(fit.executor), escape(describe_fit(fit)));
  }
  return out + "</ul>\n";
}

constexpr std::string_view style = R"(:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--panel:#f8fafc}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 28px 56px}
h1{font-size:1.6rem;margin:0 0 .2rem;letter-spacing:-.01em}
h2{font-size:1.15rem;margin:2rem 0 .7rem;padding-bottom:.3rem;border-bottom:1px solid var(--line)}
.sub{color:var(--muted);margin:0}
dl.conditions{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1.2rem;margin:0}
dt{color:var(--muted)}
dd{margin:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;background:var(--panel);border:1px solid var(--line);padding:0 .3em;border-radius:4px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;width:100%;font-size:14px}
th,td{padding:.4rem .6rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{background:var(--panel);font-weight:600;border-bottom:2px solid var(--line)}
tbody tr:hover{background:#f1f5f9}
.swatch{display:inline-block;width:.75em;height:.75em;border-radius:2px;margin-right:.5em}
.flag{color:#b45309;font-weight:700}
.bad{color:#b91c1c;font-weight:600}
.good{color:#15803d}
.notes,.note{color:var(--muted);font-size:13px}
.notes{margin:.6rem 0 0;padding-left:1.2rem}
ul.fits,ul.observations{padding-left:1.2rem;margin:.4rem 0}
ul.fits li,ul.observations li{margin:.2rem 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:20px}
figure{margin:0 0 18px;border:1px solid var(--line);border-radius:8px;padding:12px 16px;background:#fff}
figcaption{font-weight:600;margin-bottom:6px}
figcaption span{font-weight:400;color:var(--muted);font-size:13px;margin-left:.4em}
svg{display:block;width:100%;height:auto}
svg text{fill:#374151;font-size:12px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
svg .tick{fill:#6b7280;font-size:11px;font-variant-numeric:tabular-nums}
svg .axis-title{fill:#374151;font-size:12px;font-weight:600}
svg .detail{fill:#6b7280;font-size:11px}
svg .axis{stroke:#9ca3af;stroke-width:1;fill:none}
svg .grid{stroke:#eef0f3;stroke-width:1}
svg .ideal{stroke:#111827;stroke-width:1.5;stroke-dasharray:6 4;fill:none}
svg .reference{stroke:#9ca3af;stroke-width:1;stroke-dasharray:2 3}
svg .amdahl,svg .series{fill:none;stroke-width:2;stroke-linejoin:round}
svg .series{stroke-opacity:.55}
svg .range{stroke-width:1.8;fill:none}
svg .point circle{stroke:#fff;stroke-width:1.5}
svg .lane-bg{fill:#f3f4f6}
svg .lane-label{font-size:11.5px;font-variant-numeric:tabular-nums}
svg .busy{fill:#6b7280;font-size:11px}
svg .task.failed{stroke:#b91c1c;stroke-width:1.2}
svg .stage{opacity:.8}
svg g:hover>.task{stroke:#111827;stroke-width:1.2}
)";

}  // namespace

std::string comparison_html(const Comparison& comparison, const RunConditions& conditions) {
  const ParadigmColours colours(comparison);
  const StageColours stage_colours(comparison);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>image-pipeline comparison</title>\n<style>\n";
  out += style;
  out += "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>image-pipeline comparison</h1>\n";
  out += fmt::format("<p class=\"sub\">{}, {} images, {:.1f} MP through <code>{}</code></p>\n</header>\n",
                     escape(conditions.dataset.source), conditions.dataset.images, conditions.dataset.megapixels,
                     escape(conditions.filters));

  out += "<section id=\"conditions\">\n<h2>Conditions</h2>\n" + conditions_html(comparison, conditions) + "</section>\n";
  out += "<section id=\"results\">\n<h2>Results</h2>\n<div class=\"table-wrap\">\n" +
         table_html(comparison, conditions, colours) + "</div>\n</section>\n";
  if (comparison.runs.empty()) return out + "</main>\n</body>\n</html>\n";

  out += "<section id=\"charts\">\n<h2>Scaling</h2>\n<div class=\"charts\">\n";
  out += "<figure><figcaption>Speedup against workers <span>median of the measured runs; bars from the slowest to "
         "the fastest run; curves: Amdahl fits</span></figcaption>\n" +
         speedup_chart(comparison, colours) + "</figure>\n";
  out += "<figure><figcaption>Efficiency against workers <span>speedup / workers</span></figcaption>\n" +
         efficiency_chart(comparison, colours) + "</figure>\n";
  out += "</div>\n</section>\n";

  out += "<section id=\"amdahl\">\n<h2>Amdahl fits</h2>\n" + fits_html(comparison, conditions.machine.logical_cpus) +
         "</section>\n";
  const auto said = observations(comparison, conditions.machine.logical_cpus);
  if (!said.empty()) {
    out += "<section id=\"observations\">\n<h2>Observations</h2>\n<ul class=\"observations\">\n";
    for (const auto& sentence : said) out += "<li>" + escape(sentence) + "</li>\n";
    out += "</ul>\n</section>\n";
  }

  out += "<section id=\"timelines\">\n<h2>Timelines</h2>\n<p class=\"note\">One lane per worker (labelled with the "
         "OS process and thread seen running its tasks), one bar per task coloured by image (the same colour in "
         "every run); hover a bar for its image, PID, thread, CPU cores, times and bytes moved.</p>\n";
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    out += gantt(comparison.runs[r], r, r == 0, stage_colours);
  }
  out += "</section>\n</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace pipeline
