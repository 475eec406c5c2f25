#pragma once
// A progress bar for people at a terminal, one line on stderr redrawn in place:
//
//   threads x2 [######..............] 37/100 images  12.3 MP/s  ETA 4 s
//
// Nothing is drawn unless the caller enables it (stderr a terminal, not --quiet), so pipes and CI logs never see
// a carriage return. The folder run counts its images; the comparison counts every task of every run and changes
// the label as each configuration starts.
//
// One call at a time (RunOptions::on_task_done never overlaps with itself, which is where updates come from).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace image_pipeline {

class ProgressBar {
 public:
  struct Options {
    std::size_t total = 0;         // tasks expected in all
    std::string label;             // shown before the bar, e.g. "threads x2"; empty: none
    std::string unit = "images";   // what the tasks are
    std::string rate_unit = "MP";  // what update()'s second figure counts, in millions: "MP" pixels, "MB" bytes
    double min_interval_s = 0.1;   // redraws at most this often: a terminal flooded with lines slows the run
    std::size_t columns = 0;       // width to fit in; 0: the terminal's (80 if unknown)
  };
  using Write = std::function<void(std::string_view)>;
  using Clock = std::function<double()>;  // seconds, monotonic

  // `write` and `clock` default to stderr and CLOCK_MONOTONIC; tests pass their own.
  ProgressBar(Options options, bool enabled, Write write = {}, Clock clock = {});
  ~ProgressBar();  // finish()
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }

  // True when stderr is a terminal: the one place a progress bar belongs.
  [[nodiscard]] static bool stderr_is_terminal();

  // `done` tasks finished so far and the pixels they processed (or the bytes, as rate_unit says; both running
  // totals). Redraws if the last
  // redraw is at least min_interval_s old.
  void update(std::size_t done, std::uint64_t pixels);
  // Shown from the next redraw on.
  void set_label(std::string label);
  // Erases the line (e.g. before a log message); the next update draws it again.
  void clear();
  // Erases the line for good: later updates draw nothing. Idempotent.
  void finish();

  // The line for these figures, cut to `columns` characters; the rate in millions of `rate_unit` per second.
  [[nodiscard]] static std::string format_line(std::string_view label, std::size_t done, std::size_t total,
                                               std::string_view unit, std::uint64_t pixels, double elapsed_s,
                                               std::size_t columns, std::string_view rate_unit = "MP");

 private:
  Options options_;
  bool enabled_;
  Write write_;
  Clock clock_;
  double start_s_;
  double last_draw_s_ = -1.0;     // never drawn yet
  std::size_t drawn_length_ = 0;  // characters on screen now (0: the line is clear)
};

}  // namespace image_pipeline
