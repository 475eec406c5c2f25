// Every PNG the CLI writes passes libpng with strict CRC checks (support/strict_png.hpp): the comparison's
// --output and `run` with every executor, at several --png-compression levels, on odd sizes.
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "pipeline/image_io.hpp"
#include "strict_png.hpp"
#include "test_images.hpp"

using pipeline::test::quoted;
using pipeline::test::run_cli;
namespace fs = std::filesystem;

namespace {

// One input per odd size: 1x1, one row, one column, widths off every vector width.
void make_odd_inputs(const fs::path& in) {
  fs::create_directories(in);
  const int sizes[][2] = {{1, 1}, {1, 17}, {23, 1}, {33, 5}, {65, 3}, {127, 2}};
  std::uint64_t seed = 11;
  for (const auto& size : sizes) {
    const auto name = std::to_string(size[0]) + "x" + std::to_string(size[1]) + ".png";
    pipeline::write_png_atomic(pipeline::test::noise_image(size[0], size[1], 3, seed++), in / name, 0);
  }
}

// Every file of `out` is a PNG libpng reads whole; returns their names.
std::set<std::string> check_strictly(const fs::path& out) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(out)) {
    INFO(entry.path());
    CHECK_NOTHROW(pipeline::test::read_png_strictly(entry.path()));
    names.insert(entry.path().filename().string());
  }
  return names;
}

}  // namespace

TEST_CASE("run writes PNGs that libpng reads strictly, with every executor and compression level", "[cli][png]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  make_odd_inputs(in);
  const std::string executor = GENERATE("sequential", "threads", "processes");
  const int level = GENERATE(0, 1, 6, 9);
  const auto out = temp.path() / ("out-" + executor + "-" + std::to_string(level));
  const auto outcome = run_cli("run " + quoted(in) + " " + quoted(out) + " --executor " + executor +
                               " --workers 2 --png-compression " + std::to_string(level));
  INFO(executor << " at level " << level << "\n" << outcome.out << outcome.err);
  REQUIRE(outcome.status == 0);
  CHECK(check_strictly(out).size() == 6);
}

TEST_CASE("the comparison's --output writes PNGs that libpng reads strictly", "[cli][png]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  make_odd_inputs(in);
  const int level = GENERATE(0, 6, 9);
  const auto out = temp.path() / ("out-" + std::to_string(level));
  const auto outcome = run_cli("-i " + quoted(in) + " -o " + quoted(out) + " --png-compression " +
                               std::to_string(level) + " -w 2 -r 1 --warmup 0 -e sequential,threads");
  INFO(outcome.out << outcome.err);
  REQUIRE(outcome.status == 0);
  CHECK(check_strictly(out).size() == 6);
}
