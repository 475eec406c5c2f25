// comparison_html: one self-contained page whose charts and timelines hold every run, task and worker, with all
// text escaped. What a browser makes of it is checked in html_report_chromium.cpp.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/analysis.hpp"
#include "pipeline/comparison.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/machine.hpp"
#include "pipeline/report.hpp"
#include "pipeline/vips.hpp"
#include "test_images.hpp"

namespace {

constexpr std::string_view odd_name = "<b>&\"odd\"</b>.png";
constexpr std::string_view odd_name_escaped = "&lt;b&gt;&amp;&quot;odd&quot;&lt;/b&gt;.png";
constexpr std::string_view odd_cpu = "Fake <CPU> & 'Co'";
constexpr std::string_view odd_cpu_escaped = "Fake &lt;CPU&gt; &amp; &#39;Co&#39;";

struct Measured {
  pipeline::Comparison comparison;
  pipeline::RunConditions conditions;
  std::string html;
};

// A real comparison, sequential and threads at 1 and 2 workers, on a small uneven batch one of whose images has
// a name full of HTML's special characters. Measured once for all cases.
const Measured& measured() {
  static const Measured once = [] {
    auto batch = pipeline::test::batch_of_sizes({{64, 48}, {40, 30}, {96, 20}, {32, 32}, {80, 60}, {24, 70}}, 77);
    batch[2].name = std::string(odd_name);
    pipeline::ComparisonPlan plan;
    plan.executors = {"sequential", "threads"};
    plan.worker_counts = {1, 2};
    plan.repeats = 2;
    const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
    Measured m;
    m.comparison = pipeline::run_comparison(chain, batch, plan, [](const std::string& name, int workers) {
      return pipeline::make_executor(name, workers);
    });
    m.conditions.machine = pipeline::describe_machine();
    m.conditions.machine.cpu_model = std::string(odd_cpu);
    m.conditions.dataset = pipeline::describe_dataset("test batch", batch);
    m.conditions.filters = pipeline::default_filter_spec;
    m.conditions.vips = pipeline::current_vips_settings();
    m.html = pipeline::comparison_html(m.comparison, m.conditions);
    return m;
  }();
  return once;
}

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The element that starts with `opening` (e.g. `<svg id="gantt-1"`) up to its `closing` tag.
std::string_view element(std::string_view html, std::string_view opening, std::string_view closing = "</svg>") {
  const auto begin = html.find(opening);
  REQUIRE(begin != std::string_view::npos);
  const auto end = html.find(closing, begin);
  REQUIRE(end != std::string_view::npos);
  return html.substr(begin, end + closing.size() - begin);
}

// Runs of spaces, tabs and newlines longer than `limit`: what a generator indenting deep trees emits.
bool has_whitespace_run(std::string_view text, std::size_t limit) {
  std::size_t run = 0;
  for (const char c : text) {
    run = (c == ' ' || c == '\n' || c == '\t') ? run + 1 : 0;
    if (run > limit) return true;
  }
  return false;
}

pipeline::TaskRecord record(std::string image, int worker, double start_s, double end_s) {
  pipeline::TaskRecord r;
  r.image = std::move(image);
  r.worker = worker;
  r.pid = 4000 + worker;
  r.tid = 5000 + worker;
  r.cpu_start = worker;
  r.cpu_end = worker;
  r.start_s = start_s;
  r.end_s = end_s;
  r.pixels = 1000;
  return r;
}

}  // namespace

TEST_CASE("the HTML report is one self-contained page", "[html]") {
  const std::string& html = measured().html;
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count(html, "</html>") == 1);
  CHECK(html.find("<meta charset=\"utf-8\">") != std::string::npos);
  // Nothing to fetch: no addresses, no external scripts, style sheets, fonts or images.
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(html.find("@font-face") == std::string::npos);
  // url(...) only ever points inside the page (a pattern or clip path by id).
  for (auto at = html.find("url("); at != std::string::npos; at = html.find("url(", at + 4)) {
    CHECK(html.substr(at, 5) == "url(#");
  }
}

TEST_CASE("the HTML report escapes image names, the CPU model and the filter spec", "[html]") {
  const auto& m = measured();
  CHECK(m.html.find(odd_name) == std::string::npos);
  CHECK(m.html.find(odd_cpu) == std::string::npos);
  CHECK(m.html.find(odd_name_escaped) != std::string::npos);  // in the image's task titles
  CHECK(m.html.find(odd_cpu_escaped) != std::string::npos);

  pipeline::RunConditions conditions = m.conditions;
  conditions.filters = "grayscale,<evil>&brightness=\"2\"";
  conditions.dataset.source = "folder <photos & more>/";
  const std::string html = pipeline::comparison_html(m.comparison, conditions);
  CHECK(html.find("<evil>") == std::string::npos);
  CHECK(html.find("grayscale,&lt;evil&gt;&amp;brightness=&quot;2&quot;") != std::string::npos);
  CHECK(html.find("folder &lt;photos &amp; more&gt;/") != std::string::npos);
}

TEST_CASE("the HTML report states the conditions, the table, the Amdahl fits and the observations", "[html]") {
  const auto& m = measured();
  const std::string& html = m.html;
  for (const char* header : {"Paradigm", "Workers", "Time (ms)", "Spread", "Speedup", "Efficiency", "Start-up (ms)",
                             "Hosts", "PIDs", "Threads", "Cores", "Identical"}) {
    CHECK(html.find(std::string(">") + header + "</th>") != std::string::npos);
  }
  CHECK(count(element(html, "<table", "</table>"), "<tr>") == m.comparison.runs.size() + 1);
  CHECK(html.find(m.conditions.machine.libvips_version) != std::string::npos);
  CHECK(html.find("test batch, 6 images") != std::string::npos);
  CHECK(html.find("median of 2 measured run(s)") != std::string::npos);
  CHECK(html.find("<strong>threads</strong>: ") != std::string::npos);       // the Amdahl fit, however it came out
  CHECK(html.find("At 2 worker(s), threads alone: ") != std::string::npos);  // the only parallel run at 2
  CHECK(pipeline::comparison_html(m.comparison, m.conditions) == html);      // same input, same page
}

TEST_CASE("the HTML report has one Gantt per run, one lane per worker and one bar per task", "[html]") {
  const auto& m = measured();
  REQUIRE(m.comparison.runs.size() == 3);  // sequential x1, threads x1, threads x2
  CHECK(count(m.html, "class=\"gantt\"") == m.comparison.runs.size());
  for (std::size_t r = 0; r < m.comparison.runs.size(); ++r) {
    const auto& run = m.comparison.runs[r];
    const auto gantt = element(m.html, "<svg id=\"gantt-" + std::to_string(r) + "\"");
    CAPTURE(r, run.batch.executor, run.batch.workers);
    CHECK(gantt.find("data-run=\"" + run.batch.executor + " x" + std::to_string(run.batch.workers) + "\"") !=
          std::string_view::npos);
    CHECK(count(gantt, "<g class=\"lane\"") == static_cast<std::size_t>(run.batch.workers));
    CHECK(count(gantt, "<rect class=\"task") == run.batch.tasks.size());
    for (const auto& task : run.batch.tasks) {
      // Each lane is labelled with the OS ids of its worker; each bar's title names PID and thread.
      CHECK(gantt.find("pid " + std::to_string(task.record.pid) + " · tid " + std::to_string(task.record.tid)) !=
            std::string_view::npos);
      CHECK(gantt.find("pid " + std::to_string(task.record.pid) + ", thread " + std::to_string(task.record.tid)) !=
            std::string_view::npos);
    }
    CHECK(gantt.find("ms since the run started") != std::string_view::npos);
  }
}

TEST_CASE("the speedup chart has a point per run, each paradigm's Amdahl curve and the ideal line", "[html]") {
  const auto& m = measured();
  const auto chart = element(m.html, "<svg id=\"speedup-chart\"");
  CHECK(count(chart, "<g class=\"point\"") == m.comparison.runs.size());
  for (const auto& run : m.comparison.runs) {
    CHECK(chart.find("data-executor=\"" + run.batch.executor + "\" data-workers=\"" +
                     std::to_string(run.batch.workers) + "\"") != std::string_view::npos);
  }
  CHECK(count(chart, "<path class=\"range\"") >= m.comparison.runs.size());  // min-max bars (and the legend's)
  // A curve only for a real fit (two worker counts or more, P in [0, 1]): threads at 1 and 2 workers give one point.
  const auto fits = pipeline::fit_amdahl(m.comparison);
  REQUIRE(fits.size() == 1);
  CHECK(count(chart, "<path class=\"amdahl\" data-executor=\"threads\"") ==
        (fits[0].kind == pipeline::AmdahlFit::Kind::fitted ? 1u : 0u));
  CHECK(count(chart, "<line class=\"ideal\"") >= 1);
  CHECK(chart.find("workers (p)") != std::string_view::npos);
  CHECK(chart.find("speedup (S)") != std::string_view::npos);

  const auto efficiency = element(m.html, "<svg id=\"efficiency-chart\"");
  CHECK(count(efficiency, "<g class=\"point\"") == m.comparison.runs.size());
  CHECK(efficiency.find("<line class=\"ideal\"") != std::string_view::npos);  // the 100% line
}

TEST_CASE("a failed task is drawn apart with its error, and stages are drawn inside their task", "[html]") {
  pipeline::Comparison comparison;
  pipeline::ComparisonRun run;
  run.batch.executor = "sequential";
  run.batch.start_s = run.batch.ready_s = 100.0;
  run.batch.end_s = 100.010;
  auto good = record("a.png", 0, 100.001, 100.004);
  good.stages = {{"decode", 100.001, 100.002}, {"filters", 100.002, 100.0035}, {"encode", 100.0035, 100.004}};
  auto bad = record("b.png", 0, 100.005, 100.006);
  bad.error = "libvips said <no>";
  run.batch.tasks = {{{}, good}, {{}, bad}};
  run.seconds = {0.01, 0.01, 0.01};
  run.repeat_seconds = {0.01};
  comparison.runs.push_back(run);
  const std::string html = pipeline::comparison_html(comparison, pipeline::RunConditions{});

  const auto gantt = element(html, "<svg id=\"gantt-0\"");
  CHECK(count(gantt, "<rect class=\"task failed\"") == 1);
  CHECK(gantt.find("FAILED: libvips said &lt;no&gt;") != std::string_view::npos);
  CHECK(count(gantt, "<rect class=\"stage\"") == 3);
  CHECK(gantt.find("<title>a.png: filters 1.500 ms</title>") != std::string_view::npos);
  CHECK(html.find("FAILED b.png (sequential x1): libvips said &lt;no&gt;") != std::string::npos);
}

TEST_CASE("a big batch gives a page of bounded size", "[html]") {
  // 1000 tasks on 8 processes, each with bytes moved and five profiled stages.
  pipeline::Comparison comparison;
  for (int workers : {1, 8}) {
    pipeline::ComparisonRun run;
    run.batch.executor = workers == 1 ? "sequential" : "processes";
    run.batch.workers = workers;
    run.batch.start_s = run.batch.ready_s = 10.0;
    for (int i = 0; i < 1000; ++i) {
      const int worker = i % workers;
      const double start = 10.0 + (i / workers) * 0.002;
      auto r = record("synthetic-" + std::to_string(i), worker, start, start + 0.0019);
      r.bytes_sent = 3'000'000;
      r.bytes_received = 1'000'000;
      r.transfer_s = 0.0004;
      for (const char* stage : {"grayscale", "blur", "sobel", "sharpen", "brightness"}) {
        r.stages.push_back({stage, start, start + 0.0003});
      }
      run.batch.tasks.push_back({{}, r});
      run.batch.end_s = std::max(run.batch.end_s, r.end_s);
    }
    run.seconds = {run.batch.seconds(), run.batch.seconds(), run.batch.seconds()};
    run.repeat_seconds = {run.batch.seconds()};
    run.speedup = comparison.runs.empty() ? 1.0 : comparison.runs[0].seconds.median / run.seconds.median;
    run.efficiency = run.speedup / workers;
    comparison.runs.push_back(std::move(run));
  }
  const std::string html = pipeline::comparison_html(comparison, pipeline::RunConditions{});
  CHECK(count(element(html, "<svg id=\"gantt-1\""), "<rect class=\"task\"") == 1000);
  CHECK(count(element(html, "<svg id=\"gantt-1\""), "<g class=\"lane\"") == 8);
  CHECK(html.size() < 2'500'000);
  CHECK_FALSE(has_whitespace_run(html, 8));
}

TEST_CASE("the page states how the comparison itself was measured: its plan's repeats and warm-up", "[html]") {
  const auto& m = measured();
  CHECK(m.comparison.repeats == 2);
  CHECK(m.comparison.warmup == 0);
  CHECK_FALSE(m.comparison.profile_stages);
  CHECK(m.html.find("median of 2 measured run(s) per row, after 0 warm-up run(s)") != std::string::npos);
}
