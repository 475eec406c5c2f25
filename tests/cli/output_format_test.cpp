// --format, --quality and --compression as a user gives them: `run` and the comparison's --output write the format
// asked for under its extension, the summary names it, --resume finds those outputs again, and a knob the format
// does not have is refused before anything runs.
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::test::files_in;
using pipeline::test::quoted;
using pipeline::test::run_cli;
namespace fs = std::filesystem;

namespace {

void make_inputs(const fs::path& in) {
  fs::create_directories(in);
  pipeline::write_png_atomic(pipeline::test::noise_image(37, 21, 3, 1), in / "colour.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(16, 16, 4, 2), in / "alpha.png");
}

}  // namespace

TEST_CASE("run writes the format asked for and names it and resumes from those files", "[cli]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  const std::string executor = GENERATE("threads", "processes");
  const std::string command =
      "run " + quoted(in) + " " + quoted(out) + " --format webp --quality 90 -w 2 -e " + executor;
  const auto first = run_cli(command);
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  CHECK(files_in(out) == std::set<std::string>{"alpha.webp", "colour.webp"});
  CHECK_THAT(first.out, Contains("written as WebP, quality 90"));
  CHECK(pipeline::decode_image(out / "colour.webp").width() == 37);
  const auto again = run_cli(command + " --resume");
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK_THAT(again.out, Contains("2 up to date (skipped)"));
}

TEST_CASE("the comparison's --output writes TIFF files named for their format", "[cli]") {
  pipeline::test::TempFolder temp;
  const auto out = temp.path() / "out";
  const auto outcome = run_cli("-n 2 --size 24x16 -w 1 -r 1 --warmup 0 -e sequential,threads --output " + quoted(out) +
                               " --format tiff --compression 9");
  INFO(outcome.out << outcome.err);
  REQUIRE(outcome.status == 0);
  CHECK(files_in(out) == std::set<std::string>{"synthetic-000.tif", "synthetic-001.tif"});
  CHECK_THAT(outcome.err, Contains("(TIFF, deflate level 9)"));
}

TEST_CASE("a quality for a lossless format or a compression for a lossy one is refused before running", "[cli]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  make_inputs(in);
  const auto out = temp.path() / "out";
  const auto quality = run_cli("run " + quoted(in) + " " + quoted(out) + " --quality 80");
  CHECK(quality.status == 2);
  CHECK_THAT(quality.err, Contains("--quality: png outputs are lossless, with no quality: use --compression"));
  const auto compression = run_cli("run " + quoted(in) + " " + quoted(out) + " --format jpeg --compression 3");
  CHECK(compression.status == 2);
  CHECK_THAT(compression.err, Contains("--compression: jpeg outputs have no deflate level: use --quality"));
  CHECK_FALSE(fs::exists(out));
  const auto unknown = run_cli("run " + quoted(in) + " " + quoted(out) + " --format gif");
  CHECK(unknown.status == 2);
  CHECK_THAT(unknown.err, Contains("--format"));
}
