// The CLI's progress bar, drawn into a string with a clock the test moves by hand.
#include "terminal/progress_bar.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using image_pipeline::ProgressBar;

namespace {

struct Screen {
  std::vector<std::string> writes;
  double now = 100.0;
  ProgressBar make(bool enabled, std::size_t total = 100, std::string label = {}) {
    return ProgressBar(
        {.total = total, .label = std::move(label), .unit = "images", .min_interval_s = 0.1, .columns = 200}, enabled,
        [this](std::string_view text) { writes.emplace_back(text); }, [this] { return now; });
  }
};

}  // namespace

TEST_CASE("the progress line shows the label, the bar, the count, the rate and the time left", "[progress]") {
  // 37 of 100 in 2 s at 12.3 MP/s: 63 to go at 37 per 2 s is 3.4 s, shown rounded up.
  const std::string line = ProgressBar::format_line("threads x2", 37, 100, "images", 24'600'000, 2.0, 200);
  CHECK(line == "threads x2 [#######.............] 37/100 images  12.3 MP/s  ETA 4 s");
  CHECK(ProgressBar::format_line("", 0, 10, "tasks", 0, 0.0, 200) == "[....................] 0/10 tasks");
  CHECK(ProgressBar::format_line("", 10, 10, "images", 5'000'000, 1.0, 200) ==
        "[####################] 10/10 images  5.0 MP/s");
  CHECK_THAT(ProgressBar::format_line("", 1, 1000, "images", 1, 1.0, 200), Contains("ETA 16 min 39 s"));
}

TEST_CASE("the progress line never fills the terminal's last column", "[progress]") {
  const std::string line = ProgressBar::format_line("processes x16", 37, 100, "images", 24'600'000, 2.0, 30);
  CHECK(line.size() == 29);
  CHECK(line.rfind("processes x16 [", 0) == 0);
}

TEST_CASE("a disabled progress bar writes nothing at all", "[progress]") {
  Screen screen;
  {
    auto bar = screen.make(false);
    for (std::size_t done = 1; done <= 100; ++done) {
      screen.now += 1.0;
      bar.update(done, done * 1000);
    }
    bar.clear();
    bar.finish();
  }
  CHECK(screen.writes.empty());
}

TEST_CASE("the progress bar redraws at most once per interval, in place", "[progress]") {
  Screen screen;
  auto bar = screen.make(true);
  bar.update(1, 1000);  // the first update draws at once
  screen.now += 0.05;
  bar.update(2, 2000);
  screen.now += 0.04;
  bar.update(3, 3000);
  CHECK(screen.writes.size() == 1);
  screen.now += 0.02;  // 0.11 s after the first draw
  bar.update(4, 4000);
  REQUIRE(screen.writes.size() == 2);
  CHECK(screen.writes[0].rfind("\r[", 0) == 0);
  CHECK_THAT(screen.writes[1], Contains("\r[") && Contains(" 4/100 images"));
  CHECK(screen.writes[1].find('\n') == std::string::npos);
}

TEST_CASE("finishing the progress bar erases its line and stops it drawing", "[progress]") {
  Screen screen;
  auto bar = screen.make(true, 10, "threads x2");
  bar.update(3, 1000);
  REQUIRE(screen.writes.size() == 1);
  const std::size_t drawn = screen.writes[0].size() - 1;  // without the leading \r
  bar.finish();
  REQUIRE(screen.writes.size() == 2);
  CHECK(screen.writes[1] == "\r" + std::string(drawn, ' ') + "\r");
  screen.now += 5.0;
  bar.update(4, 2000);
  bar.finish();
  CHECK(screen.writes.size() == 2);
}

TEST_CASE("a shorter progress line blanks what is left of the longer one before it", "[progress]") {
  Screen screen;
  auto bar = screen.make(true, 10, "a long label for the first runs");
  bar.update(1, 1000);
  bar.set_label("short");
  screen.now += 1.0;
  bar.update(2, 2000);
  REQUIRE(screen.writes.size() == 2);
  const std::string& second = screen.writes[1];
  const std::size_t first_length = screen.writes[0].size() - 1;
  // Back to the start, blanks over the old line's tail, back again, then the new line on top.
  CHECK(second.rfind("\rshort [", 0) == 0);
  CHECK(second.find('\r', 1) >= first_length);
  CHECK(second.substr(second.find('\r', 1) + 1).rfind("short [", 0) == 0);
}

TEST_CASE("clearing the progress bar for a message lets the next update draw at once", "[progress]") {
  Screen screen;
  auto bar = screen.make(true);
  bar.update(1, 1000);
  bar.clear();
  bar.update(2, 2000);  // same instant: still drawn, the line was cleared
  REQUIRE(screen.writes.size() == 3);
  CHECK_THAT(screen.writes[2], Contains(" 2/100 images"));
}
