#include "report/html_charts.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pipeline/paradigm.hpp"
#include "report/svg.hpp"

namespace pipeline::detail {
namespace {

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

}  // namespace

ParadigmColours::ParadigmColours(const Comparison& comparison) {
  for (const auto& run : comparison.runs) {
    const std::string& name = run.batch.executor;
    if (colours_.count(name) != 0) continue;
    if (const auto paradigm = paradigm_named(name)) {
      switch (*paradigm) {
        case Paradigm::sequential: colours_[name] = "#64748b"; break;
        case Paradigm::threads: colours_[name] = "#2563eb"; break;
        case Paradigm::processes: colours_[name] = "#ea580c"; break;
        case Paradigm::mpi: colours_[name] = "#059669"; break;
      }
    } else {
      static constexpr const char* others[] = {"#9333ea", "#db2777", "#0891b2", "#ca8a04", "#4d7c0f"};
      colours_[name] = others[next_other_++ % std::size(others)];
    }
  }
}

std::string speedup_chart(const Comparison& comparison, const std::vector<AmdahlFit>& fits,
                          const ParadigmColours& colours) {
  const Frame f;
  const WorkerAxis x = worker_axis(comparison, f);
  const double baseline = comparison.baseline().seconds.median;
  const auto speedup_at = [baseline](double seconds) {
    return seconds > 0.0 ? baseline / seconds : std::numeric_limits<double>::quiet_NaN();
  };

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
  out += fmt::format(
      "<line class=\"reference\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\">"
      "<title>speedup 1: as fast as the sequential run</title></line>\n",
      f.left, y(1.0), f.right, y(1.0));
  out += fmt::format(
      "<line class=\"ideal\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\">"
      "<title>ideal: speedup = workers</title></line>\n",
      x.scale(1.0), y(1.0), x.scale(x.scale.d1), y(x.scale.d1));

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
    out += fmt::format(
        "<path class=\"amdahl\" data-executor=\"{}\" d=\"{}\" stroke=\"{}\">"
        "<title>{}: Amdahl fit, P = {:.3f} from {} point(s), max speedup {}</title></path>\n",
        escape(fit.executor), d, colours(fit.executor), escape(fit.executor), fit.parallel_fraction, fit.points,
        std::isfinite(fit.max_speedup) ? fmt::format("{:.1f}x", fit.max_speedup) : "unbounded");
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
    out += fmt::format(
        "<g class=\"point\" data-executor=\"{}\" data-workers=\"{}\">"
        "<title>{}{}: {:.2f}x median speedup ({:.3f} s); runs from {}x (slowest) to {}x (fastest), "
        "{} measured</title>",
        escape(run.batch.executor), run.batch.workers, escape(run_label(run.batch)), r == 0 ? " (baseline)" : "",
        run.speedup, run.seconds.median, fixed(slowest, 2), fixed(fastest, 2), run.repeat_seconds.size());
    if (std::isfinite(slowest) && std::isfinite(fastest)) {
      out += fmt::format(
          "<path class=\"range\" d=\"M{0:.1f} {1:.1f}V{2:.1f}M{3:.1f} {1:.1f}h8M{3:.1f} {2:.1f}h8\" "
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
  out += legend_entry(f, row++,
                      "<path class=\"range\" d=\"M14 -7V7M10 -7h8M10 7h8\" stroke=\"#6b7280\"/>"
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
  out += fmt::format(
      "<line class=\"ideal\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\">"
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
      points += fmt::format(
          "<g class=\"point\" data-executor=\"{}\" data-workers=\"{}\"><title>{}: efficiency "
          "{:.1f}% (speedup {:.2f}x on {} worker(s))</title>"
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"{}\"/></g>\n",
          escape(name), run.batch.workers, escape(run_label(run.batch)), run.efficiency * 100.0, run.speedup,
          run.batch.workers, px, py, colours(name));
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

}  // namespace pipeline::detail
