#include "terminal/progress_bar.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "pipeline/task.hpp"

namespace image_pipeline {
namespace {

constexpr std::size_t bar_width = 20;
constexpr std::size_t fallback_columns = 80;

std::size_t terminal_columns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return fallback_columns;
}

std::string format_eta(double seconds) {
  const auto whole = static_cast<long long>(std::ceil(seconds));
  if (whole < 60) return fmt::format("{} s", whole);
  if (whole < 3600) return fmt::format("{} min {} s", whole / 60, whole % 60);
  return fmt::format("{} h {} min", whole / 3600, whole % 3600 / 60);
}

}  // namespace

ProgressBar::ProgressBar(Options options, bool enabled, Write write, Clock clock)
    : options_(std::move(options)), enabled_(enabled), write_(std::move(write)), clock_(std::move(clock)) {
  if (!write_) {
    write_ = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stderr);
      std::fflush(stderr);
    };
  }
  if (!clock_) clock_ = [] { return pipeline::monotonic_seconds(); };
  // The terminal's width is read once: a bar wider than the terminal wraps, and \r then redraws only its last part.
  if (enabled_ && options_.columns == 0) options_.columns = terminal_columns();
  start_s_ = clock_();
}

ProgressBar::~ProgressBar() { finish(); }

bool ProgressBar::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string ProgressBar::format_line(std::string_view label, std::size_t done, std::size_t total, std::string_view unit,
                                     std::uint64_t pixels, double elapsed_s, std::size_t columns,
                                     std::string_view rate_unit) {
  const double fraction = total > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 0.0;
  const auto filled = static_cast<std::size_t>(fraction * bar_width);
  std::string line;
  if (!label.empty()) line += fmt::format("{} ", label);
  line += '[' + std::string(filled, '#') + std::string(bar_width - filled, '.') + ']';
  line += fmt::format(" {}/{} {}", done, total, unit);
  if (elapsed_s > 0.0) line += fmt::format("  {:.1f} {}/s", static_cast<double>(pixels) / 1e6 / elapsed_s, rate_unit);
  // The remaining tasks at the pace so far: a guess, shown once there is a pace to go by.
  if (done > 0 && done < total && elapsed_s > 0.0) {
    line += "  ETA " + format_eta(elapsed_s / static_cast<double>(done) * static_cast<double>(total - done));
  }
  // One column is left free: writing the last column makes some terminals wrap before the \r.
  if (columns > 0 && line.size() >= columns) line.resize(columns - 1);
  return line;
}

void ProgressBar::update(std::size_t done, std::uint64_t pixels) {
  if (!enabled_) return;
  const double now = clock_();
  if (last_draw_s_ >= 0.0 && now - last_draw_s_ < options_.min_interval_s) return;
  last_draw_s_ = now;
  const std::string line = format_line(options_.label, done, options_.total, options_.unit, pixels, now - start_s_,
                                       options_.columns, options_.rate_unit);
  // \r back to the start, the new line, and blanks over whatever is left of a longer previous line.
  std::string text = '\r' + line;
  if (drawn_length_ > line.size()) text += std::string(drawn_length_ - line.size(), ' ') + '\r' + line;
  write_(text);
  drawn_length_ = line.size();
}

void ProgressBar::set_label(std::string label) { options_.label = std::move(label); }

void ProgressBar::clear() {
  if (!enabled_ || drawn_length_ == 0) return;
  write_('\r' + std::string(drawn_length_, ' ') + '\r');
  drawn_length_ = 0;
  last_draw_s_ = -1.0;  // redraw at the next update, not up to min_interval_s later
}

void ProgressBar::finish() {
  clear();
  enabled_ = false;
}

}  // namespace image_pipeline
