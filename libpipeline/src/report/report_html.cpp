// The comparison as one self-contained HTML page: the conditions, the table, a speedup and an efficiency chart,
// the Amdahl fits, the observations and a Gantt timeline per run, all drawn as inline SVG from the same figures
// as the terminal report. Nothing is fetched (no scripts, fonts, images or style sheets from elsewhere), so the
// file reads the same offline, attached to an issue, or years later. Hover details are SVG <title> elements:
// every browser shows them and they need no script.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pipeline/analysis.hpp"
#include "pipeline/report.hpp"
#include "report/html_charts.hpp"
#include "report/html_gantt.hpp"
#include "report/svg.hpp"

namespace pipeline {
namespace {

using detail::escape;
using detail::fixed;
using detail::ParadigmColours;
using detail::run_label;
using detail::StageColours;

std::string conditions_html(const RunConditions& conditions, const std::string& method) {
  const MachineInfo& machine = conditions.machine;
  std::string out = "<dl class=\"conditions\">\n";
  const auto item = [&out](std::string_view term, const std::string& html) {
    out += fmt::format("<dt>{}</dt><dd>{}</dd>\n", term, html);
  };
  item("Dataset", fmt::format("{}, {} images, {:.1f} MP", escape(conditions.dataset.source), conditions.dataset.images,
                              conditions.dataset.megapixels));
  item("Filters", fmt::format("<code>{}</code>", escape(conditions.filters)));
  item("Machine",
       fmt::format("{}, {} logical CPUs; {}{}", escape(machine.cpu_model), machine.logical_cpus, escape(machine.os),
                   machine.hostname.empty() ? "" : "; host " + escape(machine.hostname)));
  item("libvips", fmt::format("{} with {} thread(s) per operation, operation cache {}", escape(machine.libvips_version),
                              conditions.vips.concurrency,
                              conditions.vips.cache_max_operations == 0
                                  ? std::string("off")
                                  : fmt::format("{} operations", conditions.vips.cache_max_operations)));
  if (!machine.compiler.empty()) item("Compiler", escape(machine.compiler));
  if (!machine.kernels.empty()) item("Kernels", escape(machine.kernels));
  item("Timing", escape(method) + "; Spread = slowest / fastest");
  return out + "</dl>\n";
}

std::string table_html(const Comparison& comparison, const RunConditions& conditions,
                       const ComparisonAnalysis& analysis, const ParadigmColours& colours) {
  const unsigned cpus = conditions.machine.logical_cpus;
  const auto oversubscribed = [cpus](const ComparisonRun& run) {
    return cpus > 0 && static_cast<unsigned>(run.batch.workers) > cpus;
  };
  std::string out =
      "<table class=\"runs\">\n<thead><tr><th>Paradigm</th><th>Workers</th><th>Time (ms)</th>"
      "<th title=\"slowest / fastest measured run\">Spread</th><th>Speedup</th><th>Efficiency</th>"
      "<th title=\"Karp-Flatt serial fraction (1/S - 1/p) / (1 - 1/p)\">e</th><th>Start-up "
      "(ms)</th><th>Hosts</th><th>PIDs</th>"
      "<th>Threads</th><th>Cores</th><th>Identical</th></tr></thead>\n<tbody>\n";
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    const ComparisonRun& run = comparison.runs[r];
    const bool baseline = r == 0 && comparison.has_baseline();
    const std::string workers =
        oversubscribed(run)
            ? fmt::format("{}<span class=\"flag\" title=\"more workers than the {} logical CPUs\">*</span>",
                          run.batch.workers, cpus)
            : std::to_string(run.batch.workers);
    const std::string spread =
        run.seconds.min > 0.0 && run.repeat_seconds.size() > 1
            ? (run.seconds.large()
                   ? fmt::format(
                         "<span class=\"flag\" title=\"slowest run more than {:.2f}x the fastest\">{:.2f}!</span>",
                         Spread::large_ratio, run.seconds.max / run.seconds.min)
                   : fmt::format("{:.2f}", run.seconds.max / run.seconds.min))
            : std::string("-");
    const std::string identical = baseline                      ? "baseline"
                                  : !comparison.has_baseline()  ? "-"
                                  : run.identical_to_sequential ? "<span class=\"good\">yes</span>"
                                                                : "<span class=\"bad\">NO</span>";
    out += fmt::format(
        "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td><td>{:.2f}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td></tr>\n",
        colours(run.batch.executor), escape(run.batch.executor), workers, run.seconds.median * 1e3, spread,
        fixed(run.speedup, 2, "x"), fixed(run.efficiency * 100.0, 1, "%"), karp_flatt_cell(analysis.runs[r].karp_flatt),
        run.startup_s * 1e3, run.observed.hosts, run.observed.processes, run.observed.threads, run.observed.cores,
        identical);
  }
  out += "</tbody>\n</table>\n<ul class=\"notes\">\n";
  if (std::any_of(comparison.runs.begin(), comparison.runs.end(), oversubscribed)) {
    out += fmt::format("<li>* more workers than the {} logical CPUs (oversubscribed)</li>\n", cpus);
  }
  if (std::any_of(comparison.runs.begin(), comparison.runs.end(),
                  [](const ComparisonRun& r) { return r.seconds.large(); })) {
    out += fmt::format(
        "<li>! slowest run more than {:.2f}x the fastest: the machine was noisy; more repeats narrow the "
        "median</li>\n",
        Spread::large_ratio);
  }
  out +=
      "<li>e: Karp-Flatt experimentally determined serial fraction, (1/S - 1/p) / (1 - 1/p); rising with p means "
      "overhead growing with the workers, not a fixed serial part. Start-up: starting the pool, once, before the "
      "timed runs. Hosts, PIDs, Threads, Cores: what the task records saw running filters.</li>\n";
  for (const auto& note : analysis.karp_flatt_notes) out += "<li>" + escape(note) + ".</li>\n";
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
  if (!comparison.has_baseline()) {
    out += "<li>No sequential run: no speedup is stated, and outputs were not compared with a sequential run's.</li>\n";
  } else if (comparison.runs.size() > 1) {
    out +=
        comparison.all_identical()
            ? "<li>All runs produced outputs identical to the sequential run (per-image digest).</li>\n"
            : "<li class=\"bad\">Some runs produced outputs that differ from the sequential run: see MISMATCH.</li>\n";
  }
  return out + "</ul>\n";
}

std::string fits_html(const std::vector<AmdahlFit>& fits) {
  if (fits.empty()) return "<p class=\"note\">No parallel run with 2 or more workers: nothing to fit.</p>\n";
  std::string out =
      "<p class=\"note\">Least squares on the law's linear form 1 - 1/S = P (1 - 1/p) over the measured "
      "worker counts.</p>\n<ul class=\"fits\">\n";
  // The same sentence as the text and Markdown reports (describe_fit), so the three never disagree.
  for (const auto& fit : fits) {
    out += fmt::format("<li><strong>{}</strong>: {}</li>\n", escape(fit.executor), escape(describe_fit(fit)));
  }
  return out + "</ul>\n";
}

std::string charts_html(const Comparison& comparison, const ComparisonAnalysis& analysis,
                        const ParadigmColours& colours) {
  std::string out = "<section id=\"charts\">\n<h2>Scaling</h2>\n<div class=\"charts\">\n";
  out +=
      "<figure><figcaption>Speedup against workers <span>median of the measured runs; bars from the slowest to "
      "the fastest run; curves: Amdahl fits</span></figcaption>\n" +
      detail::speedup_chart(comparison, analysis.fits, colours) + "</figure>\n";
  out += "<figure><figcaption>Efficiency against workers <span>speedup / workers</span></figcaption>\n" +
         detail::efficiency_chart(comparison, colours) + "</figure>\n";
  return out + "</div>\n</section>\n";
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
.verdict{font-size:1.1rem;font-weight:600;margin:.8rem 0 0;padding:.6rem .9rem;border-left:4px solid #2563eb;background:var(--panel)}
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
  return comparison_html(comparison, conditions, analyse(comparison, conditions.machine.logical_cpus));
}

std::string comparison_html(const Comparison& comparison, const RunConditions& conditions,
                            const ComparisonAnalysis& analysis) {
  const ParadigmColours colours(comparison);
  const StageColours stage_colours(comparison);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>image-pipeline comparison</title>\n<style>\n";
  out += style;
  out += "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>image-pipeline comparison</h1>\n";
  out += fmt::format("<p class=\"sub\">{}, {} images, {:.1f} MP through <code>{}</code></p>\n",
                     escape(conditions.dataset.source), conditions.dataset.images, conditions.dataset.megapixels,
                     escape(conditions.filters));
  // The answer first, above everything it is drawn from.
  out += fmt::format("<p id=\"verdict\" class=\"verdict\">{}</p>\n</header>\n", escape(analysis.verdict.sentence));

  out += "<section id=\"conditions\">\n<h2>Conditions</h2>\n" + conditions_html(conditions, analysis.method) +
         "</section>\n";
  out += "<section id=\"results\">\n<h2>Results</h2>\n<div class=\"table-wrap\">\n" +
         table_html(comparison, conditions, analysis, colours) + "</div>\n</section>\n";
  if (comparison.runs.empty()) return out + "</main>\n</body>\n</html>\n";

  // Speedup and efficiency are against a sequential run: without one, no chart of them.
  if (comparison.has_baseline())
    out += charts_html(comparison, analysis, colours);
  else
    out +=
        "<section id=\"charts\">\n<h2>Scaling</h2>\n<p class=\"note\">No sequential run, so no speedup to "
        "chart.</p>\n</section>\n";
  out += "<section id=\"amdahl\">\n<h2>Amdahl fits</h2>\n" + fits_html(analysis.fits) + "</section>\n";
  const auto& said = analysis.observations;
  if (!said.empty()) {
    out += "<section id=\"observations\">\n<h2>Observations</h2>\n<ul class=\"observations\">\n";
    for (const auto& sentence : said) out += "<li>" + escape(sentence) + "</li>\n";
    out += "</ul>\n</section>\n";
  }

  out +=
      "<section id=\"timelines\">\n<h2>Timelines</h2>\n<p class=\"note\">One lane per worker (labelled with the "
      "OS process and thread seen running its tasks), one bar per task coloured by image (the same colour in "
      "every run); hover a bar for its image, PID, thread, CPU cores, times and bytes moved.</p>\n";
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    out += detail::gantt(comparison.runs[r], r, r == 0 && comparison.has_baseline(), stage_colours);
  }
  out += "</section>\n</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace pipeline
