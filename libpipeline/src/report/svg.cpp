#include "report/svg.hpp"

#include <cmath>

#include <fmt/format.h>

namespace pipeline::detail {

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

std::string fixed(double value, int decimals, const char* suffix) {
  return std::isfinite(value) ? fmt::format("{:.{}f}{}", value, decimals, suffix) : std::string("-");
}

std::string axes(const Frame& f, const Scale& x, const std::vector<double>& x_ticks, double x_step, const Scale& y,
                 const std::vector<double>& y_ticks, double y_step, std::string_view x_title,
                 std::string_view y_title) {
  std::string out = "<g class=\"axes\">\n";
  for (const double v : y_ticks) {
    const double py = y(v);
    out += fmt::format(
        "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        f.left, py, f.right, py, f.left - 7.0, py + 4.0, tick_label(v, y_step));
  }
  for (const double v : x_ticks) {
    const double px = x(v);
    out += fmt::format(
        "<line class=\"axis\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
        px, f.bottom, px, f.bottom + 5.0, px, f.bottom + 19.0, tick_label(v, x_step));
  }
  out += fmt::format("<path class=\"axis\" d=\"M{:.1f} {:.1f}V{:.1f}H{:.1f}\"/>\n", f.left, f.top, f.bottom, f.right);
  out += fmt::format("<text class=\"axis-title\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                     (f.left + f.right) / 2.0, f.bottom + 40.0, escape(x_title));
  out += fmt::format(
      "<text class=\"axis-title\" transform=\"translate({:.1f} {:.1f}) rotate(-90)\" "
      "text-anchor=\"middle\">{}</text>\n",
      f.left - 42.0, (f.top + f.bottom) / 2.0, escape(y_title));
  return out + "</g>\n";
}

std::string legend_entry(const Frame& f, int row, std::string_view sample, std::string_view name,
                         std::string_view detail) {
  const double y = f.top + 8.0 + row * 36.0;
  const double x = f.right + 22.0;
  std::string out = fmt::format(
      "<g class=\"legend-entry\" transform=\"translate({:.1f} {:.1f})\">{}"
      "<text x=\"34\" y=\"4\">{}</text>",
      x, y, sample, escape(name));
  if (!detail.empty()) out += fmt::format("<text class=\"detail\" x=\"34\" y=\"19\">{}</text>", escape(detail));
  return out + "</g>\n";
}

std::string point_sample(const std::string& colour) {
  return fmt::format("<circle cx=\"14\" cy=\"0\" r=\"4.5\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1.5\"/>", colour);
}

std::string point_and_line_sample(const std::string& colour) {
  return fmt::format(
      "<line x1=\"0\" y1=\"0\" x2=\"28\" y2=\"0\" stroke=\"{0}\" stroke-width=\"2\"/>"
      "<circle cx=\"14\" cy=\"0\" r=\"4.5\" fill=\"{0}\" stroke=\"#fff\" stroke-width=\"1.5\"/>",
      colour);
}

std::string dashed_sample() { return "<line class=\"ideal\" x1=\"0\" y1=\"0\" x2=\"28\" y2=\"0\"/>"; }

}  // namespace pipeline::detail
