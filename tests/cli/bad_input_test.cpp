// Damaged inputs as a user meets them at the CLI: each named once with its own reason, whatever the executor;
// --fail-on and --max-pixels; nothing from libvips reaching stderr raw.
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "broken_images.hpp"
#include "cli_process.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::test::quoted;
using pipeline::test::run_cli;
namespace fs = std::filesystem;

namespace {

void make_folder(const fs::path& in) {
  fs::create_directories(in);
  pipeline::test::write_jpeg(in / "a-good.jpg");
  pipeline::test::write_truncated_jpeg(in / "b-truncated.jpg");
  pipeline::test::write_corrupt_jpeg(in / "c-corrupt.jpg");
  pipeline::test::write_bad_ihdr_png(in / "d-bad-ihdr.png");
  pipeline::test::write_png_bomb(in / "e-bomb.png");
  pipeline::test::write_jpeg(in / "f-good.jpg", 33, 17);
}

// The "Failed:" lines of run's summary: file -> reason.
std::map<std::string, std::string> failures_in(const std::string& summary) {
  std::map<std::string, std::string> failures;
  std::istringstream lines(summary.substr(summary.find("Failed:")));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line) && line.starts_with("  ")) {
    const auto colon = line.find(": ");
    failures[line.substr(2, colon - 2)] = line.substr(colon + 2);
  }
  return failures;
}

}  // namespace

TEST_CASE("run names each damaged input once, with its own reason, whatever the executor", "[cli][run][decode]") {
  pipeline::test::TempFolder temp;
  make_folder(temp.path() / "in");
  std::map<std::string, std::string> alone;
  for (const std::string name : {"b-truncated.jpg", "c-corrupt.jpg", "d-bad-ihdr.png", "e-bomb.png"}) {
    try {
      (void)pipeline::decode_image(temp.path() / "in" / name);
    } catch (const pipeline::ImageIoError& error) {
      alone[name] = error.reason();
    }
  }
  REQUIRE(alone.size() == 4);
  for (const std::string executor : {"sequential", "threads", "processes"}) {
    const auto out = temp.path() / ("out-" + executor);
    const auto outcome = run_cli("run " + quoted(temp.path() / "in") + " " + quoted(out) + " -e " + executor + " -w 4");
    INFO(executor << "\n" << outcome.out << outcome.err);
    CHECK(outcome.status == 1);
    CHECK(failures_in(outcome.out) == alone);
    CHECK(fs::exists(out / "a-good.png"));
    CHECK(fs::exists(out / "f-good.png"));
    CHECK_THAT(outcome.err, !Contains("VIPS-WARNING") && !Contains("(image-pipeline"));
    for (const auto& [file, reason] : alone) CHECK_THAT(reason, !Contains(file));
  }
}

TEST_CASE("run --fail-on none decodes a damaged JPEG and names it as a warning", "[cli][run][decode]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  fs::create_directories(in);
  pipeline::test::write_jpeg(in / "a-good.jpg");
  pipeline::test::write_corrupt_jpeg(in / "c-corrupt.jpg");

  const auto strict = run_cli("run " + quoted(in) + " " + quoted(temp.path() / "strict"));
  INFO(strict.out << strict.err);
  CHECK(strict.status == 1);
  CHECK_THAT(failures_in(strict.out)["c-corrupt.jpg"], Contains("Corrupt JPEG data"));
  CHECK_FALSE(fs::exists(temp.path() / "strict" / "c-corrupt.png"));

  const auto lenient = run_cli("run " + quoted(in) + " " + quoted(temp.path() / "lenient") + " --fail-on none");
  INFO(lenient.out << lenient.err);
  CHECK(lenient.status == 0);
  CHECK(fs::exists(temp.path() / "lenient" / "c-corrupt.png"));
  CHECK_THAT(lenient.out, Contains("Decoded with warnings") && Contains("c-corrupt.jpg: ") &&
                              Contains("Corrupt JPEG data: premature end of data segment"));
  CHECK_THAT(lenient.err, !Contains("VIPS-WARNING"));
}

TEST_CASE("the comparison names damaged inputs once and honours -q", "[cli][decode]") {
  pipeline::test::TempFolder temp;
  make_folder(temp.path() / "in");
  const auto outcome = run_cli("-i " + quoted(temp.path() / "in") + " -e sequential -r 1 --warmup 0");
  INFO(outcome.out << outcome.err);
  CHECK(outcome.status == 1);
  CHECK_THAT(outcome.err, Contains("cannot read d-bad-ihdr.png: cannot decode: ") && Contains("IHDR: CRC error"));
  CHECK_THAT(outcome.err, Contains("cannot read e-bomb.png: 30000x30000 is 900.0 MP, over the input limit"));
  CHECK_THAT(outcome.err, !Contains("VIPS-WARNING"));

  const auto lenient = run_cli("-i " + quoted(temp.path() / "in") + " -e sequential -r 1 --warmup 0 --fail-on none");
  CHECK_THAT(lenient.err, Contains("[warning] c-corrupt.jpg: decoded with warnings (--fail-on none): "));
  const auto quiet = run_cli("-q -i " + quoted(temp.path() / "in") + " -e sequential -r 1 --warmup 0 --fail-on none");
  CHECK_THAT(quiet.err, !Contains("[warning]") && !Contains("VIPS"));
}

TEST_CASE("sizes over the pixel limit and unknown levels are usage errors", "[cli][decode]") {
  const auto huge = run_cli("--size 100000x100000 -n 1 -e sequential");
  INFO(huge.out << huge.err);
  CHECK(huge.status == 2);
  CHECK_THAT(huge.err, Contains("--size") && Contains("over the limit"));
  CHECK_THAT(huge.err, !Contains("bad_alloc"));
  CHECK(run_cli("--size 20x20 --max-pixels 399 -n 1 -e sequential").status == 2);
  CHECK(run_cli("--size 20x20 --max-pixels 400 -n 1 -e sequential -r 1 --warmup 0").status == 0);
  CHECK(run_cli("--fail-on sometimes -n 1").status == 2);
  CHECK(run_cli("run in out --fail-on sometimes").status == 2);
}
