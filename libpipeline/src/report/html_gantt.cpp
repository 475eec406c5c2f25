#include "report/html_gantt.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "report/svg.hpp"
#include "report/worker_lanes.hpp"

namespace pipeline::detail {
namespace {

// Images are told apart by hue: the golden angle spreads any number of them so that neighbours in the batch
// (often the ones running side by side) never look alike, and image i has the same colour in every run.
std::string image_colour(std::size_t index) {
  const double hue = std::fmod(static_cast<double>(index) * 137.50776405, 360.0);
  return fmt::format("hsl({:.0f},62%,64%)", hue);
}

std::string bytes_text(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b < 1e3) return fmt::format("{} B", bytes);
  if (b < 1e6) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{:.2f} MB", b / 1e6);
}

std::string task_title(const TaskRecord& record, std::size_t index, std::size_t count, double origin) {
  std::string title = fmt::format(
      "{} (image {} of {})\npid {}, thread {}, cpu {} → {}\nstart {:.3f} ms, "
      "duration {:.3f} ms",
      record.image, index + 1, count, record.pid, record.tid,
      record.cpu_start >= 0 ? std::to_string(record.cpu_start) : "?",
      record.cpu_end >= 0 ? std::to_string(record.cpu_end) : "?", (record.start_s - origin) * 1e3,
      record.seconds() * 1e3);
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

}  // namespace

StageColours::StageColours(const Comparison& comparison) {
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

std::string gantt(const ComparisonRun& run, std::size_t index, bool baseline, const StageColours& stage_colours) {
  const BatchResult& batch = run.batch;
  // A worker that got no task still has its (empty) lane; a task that never reached a worker is listed apart.
  const WorkerLanes grouped = worker_lanes(batch, true);
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
      "<svg id=\"{0}\" class=\"gantt\" data-run=\"{1}\" data-lanes=\"{2}\" viewBox=\"0 0 {3:.0f} {4:.0f}\" "
      "role=\"img\" "
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
    out += fmt::format(
        "<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>"
        "<text class=\"tick\" x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
        x(ms), top, lanes_bottom, lanes_bottom + 14.0, tick_label(ms, step));
  }
  out += fmt::format(
      "<text class=\"axis-title\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">ms since the run "
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
    out += fmt::format(
        "<g class=\"lane\" data-worker=\"{}\">\n"
        "<text class=\"lane-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">worker {} · {}"
        "<title>worker {}: {} task(s), {}</title></text>\n"
        "<rect class=\"lane-bg\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>\n",
        worker, left - 8.0, y + lane_height / 2.0 + 4.0, worker, escape(ids), worker, lane.tasks.size(),
        escape(all_ids.empty() ? std::string("no process seen") : all_ids), left, y, right - left, lane_height);
    // A pool that was not ready when the run began (processes: workers starting, loading libvips, answering the
    // handshake) shows that time hatched in every lane, before the first task.
    if (batch.startup_seconds() > 0.0) {
      out += fmt::format(
          "<rect class=\"startup\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
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
        out += fmt::format(
            "<rect class=\"task\" data-image=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
            "height=\"{:.1f}\" fill=\"{}\"/>",
            t, x0, y, drawn, lane_height, image_colour(t));
      } else {
        out += fmt::format(
            "<rect class=\"task failed\" data-image=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
            "height=\"{:.1f}\" fill=\"url(#{}-failed)\"/>",
            t, x0, y, drawn, lane_height, id);
      }
      out += "</g>\n";
      // Stages inside a bar too narrow to show them are still listed in the task's title; skipping them keeps
      // a page of thousands of tiny tasks small.
      if (w < 3.0) continue;
      for (const auto& stage : record.stages) {
        const double s0 = at(stage.start_s);
        out += fmt::format(
            "<rect class=\"stage\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
            "fill=\"{}\"><title>{}: {} {:.3f} ms</title></rect>\n",
            s0, y + lane_height * 0.55, std::max(at(stage.end_s) - s0, 0.5), lane_height * 0.45,
            stage_colours(stage.name), escape(record.image), escape(stage.name), stage.seconds() * 1e3);
      }
    }
    out += fmt::format(
        "<text class=\"busy\" x=\"{:.1f}\" y=\"{:.1f}\">{:.0f}%<title>worker {} busy {:.0f}% of the "
        "run</title></text>\n</g>\n",
        right + 8.0, y + lane_height / 2.0 + 4.0, 100.0 * lane.busy_s / span, worker, 100.0 * lane.busy_s / span);
  }
  out += fmt::format("<path class=\"axis\" d=\"M{:.1f} {:.1f}H{:.1f}\"/>\n", left, lanes_bottom, right);

  if (!stage_names.empty()) {
    double lx = left;
    const double ly = lanes_bottom + 50.0;
    out += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">stages</text>", left - 8.0,
                       ly + 4.0);
    for (const auto& name : stage_names) {
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"10\" fill=\"{}\"/>"
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
  std::string detail = fmt::format(
      "{:.1f} ms, the measured run nearest the median; {} task(s) on {} lane(s), workers "
      "busy {:.0f}% of the time",
      batch.seconds() * 1e3, batch.tasks.size(), lanes.size(),
      100.0 * busy / (span * static_cast<double>(lanes.size())));
  if (batch.startup_seconds() > 0.0) {
    detail +=
        fmt::format("; the pool was starting for the first {:.1f} ms (hatched grey)", batch.startup_seconds() * 1e3);
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

}  // namespace pipeline::detail
