// The HTML report as a browser sees it: headless Chromium parses the page into the charts and timelines we wrote,
// and draws them (a screenshot with chart colours where the charts are, not a blank page). Run by ctest as
// html_report_chromium_test, skipped where Chromium is not installed (tests/CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "chromium.hpp"
#include "pipeline/analysis.hpp"
#include "pipeline/comparison.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/machine.hpp"
#include "pipeline/report.hpp"
#include "pipeline/vips.hpp"
#include "test_images.hpp"

namespace {

// A real comparison (sequential, then threads at 1, 2 and 3 workers, 2 repeats) written as an HTML file.
struct Page {
  Page();
  pipeline::Comparison comparison;
  pipeline::test::TempFolder folder;
  std::filesystem::path html;
};

Page::Page() {
  auto batch = pipeline::test::batch_of_sizes(
      {{320, 240}, {200, 150}, {480, 120}, {160, 160}, {400, 300}, {120, 350}, {256, 256}, {300, 200}}, 31);
  batch[1].name = "<b>&\"odd\"</b>.png";  // must show as text, not as markup
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential", "threads"};
  plan.worker_counts = {1, 2, 3};
  plan.repeats = 2;
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  comparison = pipeline::run_comparison(
      chain, batch, plan, [](const std::string& name, int workers) { return pipeline::make_executor(name, workers); });
  const auto conditions = pipeline::run_conditions("test batch", batch, chain);
  html = folder.path() / "report page.html";  // a space, to prove the file URL is encoded
  std::ofstream(html) << pipeline::comparison_html(comparison, conditions);
}

// Made once for all cases.
const Page& page() {
  static const Page once;
  return once;
}

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

bool white(const pipeline::Image& image, int x, int y) {
  return image.at(x, y, 0) > 245 && image.at(x, y, 1) > 245 && image.at(x, y, 2) > 245;
}

// The threads' colour in the report (#2563eb): their points, bars and curves in both charts, and nothing else
// but the table's swatches, at the left edge of the page.
bool threads_blue(const pipeline::Image& image, int x, int y) {
  return std::abs(image.at(x, y, 0) - 0x25) < 50 && std::abs(image.at(x, y, 1) - 0x63) < 50 &&
         std::abs(image.at(x, y, 2) - 0xeb) < 50;
}

// The table's swatches lie in its first column, within this many pixels of the left edge; the charts' marks
// (at 1 worker and beyond, right of their y axes) all lie further right.
constexpr int swatch_margin = 160;
// The header (title, dataset line, verdict) ends above this row; the table's swatches start below it.
constexpr int verdict_depth = 260;

// A pixel of the timelines' image colours (light hues, all channels apart) rather than of text, rules or
// background, which are grey.
bool coloured(const pipeline::Image& image, int x, int y) {
  const int r = image.at(x, y, 0), g = image.at(x, y, 1), b = image.at(x, y, 2);
  return std::max({r, g, b}) - std::min({r, g, b}) > 60;
}

struct Box {
  int left = 1 << 30, top = 1 << 30, right = -1, bottom = -1;
  [[nodiscard]] bool empty() const { return right < left; }
  [[nodiscard]] std::size_t area() const {
    return empty() ? 0 : static_cast<std::size_t>(right - left + 1) * static_cast<std::size_t>(bottom - top + 1);
  }
};

}  // namespace

TEST_CASE("Chromium parses the page into both charts and one timeline per run", "[html][chromium]") {
  const Page& p = page();
  const std::string dom = pipeline::test::dump_dom(p.html);
  const std::size_t runs = p.comparison.runs.size();
  CHECK(count(dom, "<svg") == 2 + runs);
  CHECK(count(dom, "id=\"speedup-chart\"") == 1);
  CHECK(count(dom, "id=\"efficiency-chart\"") == 1);
  for (std::size_t r = 0; r < runs; ++r) CHECK(count(dom, "id=\"gantt-" + std::to_string(r) + "\"") == 1);
  // threads' fit, drawn only when there is one (two worker counts of 2 or more, P in [0, 1]; analysis.hpp): on a
  // busy machine the figures may be superlinear or show no speedup, which the page then says in words instead.
  const auto fits = pipeline::fit_amdahl(p.comparison, pipeline::describe_machine().logical_cpus);
  REQUIRE(fits.size() == 1);
  CHECK(count(dom, "class=\"amdahl\"") == (fits[0].kind == pipeline::AmdahlFit::Kind::fitted ? 1u : 0u));
  // The odd image name stayed text: Chromium saw no <b> element, only the escaped name.
  CHECK(dom.find("<b>") == std::string::npos);
  CHECK(dom.find("&lt;b&gt;&amp;\"odd\"&lt;/b&gt;.png") != std::string::npos);
  std::size_t tasks = 0;
  for (const auto& run : p.comparison.runs) tasks += run.batch.tasks.size();
  CHECK(count(dom, "<rect class=\"task\"") == tasks);
}

TEST_CASE("Chromium shows the verdict at the top of the page, before the conditions it rests on", "[html][chromium]") {
  const Page& p = page();
  const std::string dom = pipeline::test::dump_dom(p.html);
  const std::string sentence =
      pipeline::analyse(p.comparison, pipeline::describe_machine().logical_cpus).verdict.sentence;
  REQUIRE_FALSE(sentence.empty());
  const auto verdict = dom.find("<p id=\"verdict\" class=\"verdict\">" + sentence + "</p>");
  CHECK(verdict != std::string::npos);
  CHECK(verdict < dom.find("id=\"conditions\""));
}

TEST_CASE("Chromium draws the page: the charts are there in colour", "[html][chromium]") {
  const Page& p = page();
  const auto png = p.folder.path() / "screenshot.png";
  pipeline::test::screenshot(p.html, png, 1280, 2400);
  const pipeline::Image shot = pipeline::decode_image(png);
  REQUIRE(shot.width() == 1280);
  REQUIRE(shot.height() == 2400);
  REQUIRE(shot.bands() >= 3);

  std::size_t drawn = 0;
  std::size_t blue = 0;
  std::size_t verdict_bar = 0;  // the verdict's blue left border, in the header above the conditions and table
  std::size_t hues = 0;
  Box charts;  // where the threads' colour is, off the table's swatches: the charts
  for (int y = 0; y < shot.height(); ++y) {
    for (int x = 0; x < shot.width(); ++x) {
      drawn += white(shot, x, y) ? 0 : 1;
      hues += coloured(shot, x, y) ? 1 : 0;
      if (x <= swatch_margin && y < verdict_depth && threads_blue(shot, x, y)) ++verdict_bar;
      if (x > swatch_margin && threads_blue(shot, x, y)) {
        ++blue;
        charts = {std::min(charts.left, x), std::min(charts.top, y), std::max(charts.right, x),
                  std::max(charts.bottom, y)};
      }
    }
  }
  const auto share = [&shot](std::size_t pixels) {
    return static_cast<double>(pixels) / static_cast<double>(shot.pixel_count());
  };
  CAPTURE(share(drawn), blue, share(hues), verdict_bar);
  CHECK(share(drawn) > 0.03);  // a blank page has none
  CHECK(blue > 200);           // points, min-max bars, curves and legend samples (about 500 pixels)
  // The timelines' task bars. Their area is each lane's busy share of its run, which a loaded machine lowers
  // (about 2% of the page on a quiet one, 0.9% seen in CI); the charts' own coloured marks are under 0.05%.
  CHECK(share(hues) > 0.003);
  CHECK(verdict_bar > 4 * 30);  // 4 pixels wide, a line or more of text high

  // The charts' region is drawn in, not an empty frame: the axes, grid lines and labels cross nearly every row
  // and column of it, where a blank page or a broken SVG leaves white.
  REQUIRE_FALSE(charts.empty());
  CAPTURE(charts.left, charts.top, charts.right, charts.bottom);
  CHECK(charts.right - charts.left > 400);  // both charts, side by side
  CHECK(charts.bottom - charts.top > 60);
  std::size_t drawn_in_charts = 0;
  std::vector<bool> rows(static_cast<std::size_t>(charts.bottom - charts.top + 1), false);
  std::vector<bool> columns(static_cast<std::size_t>(charts.right - charts.left + 1), false);
  for (int y = charts.top; y <= charts.bottom; ++y) {
    for (int x = charts.left; x <= charts.right; ++x) {
      if (white(shot, x, y)) continue;
      ++drawn_in_charts;
      rows[static_cast<std::size_t>(y - charts.top)] = true;
      columns[static_cast<std::size_t>(x - charts.left)] = true;
    }
  }
  const auto marked = [](const std::vector<bool>& lines) {
    return static_cast<double>(std::count(lines.begin(), lines.end(), true)) / static_cast<double>(lines.size());
  };
  const double charts_share = static_cast<double>(drawn_in_charts) / static_cast<double>(charts.area());
  CAPTURE(charts_share, marked(rows), marked(columns));
  CHECK(charts_share > 0.02);
  CHECK(marked(rows) > 0.8);
  CHECK(marked(columns) > 0.6);  // all but the gap between the charts and around their legends

  // PIPELINE_KEEP_SCREENSHOT=FILE keeps the screenshot, to look at the page as the test saw it.
  if (const char* keep = std::getenv("PIPELINE_KEEP_SCREENSHOT"))
    std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
}
