// Where the comparison writes, checked before it works: report paths and the output folder (output_checks.hpp),
// the reports' atomic write, and the worker counts it runs.
#include "io/output_checks.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_process.hpp"
#include "pipeline/machine.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::test::files_in;
using pipeline::test::quoted;
using pipeline::test::read_file;
using pipeline::test::run_cli;
namespace fs = std::filesystem;

namespace {

// A comparison small and short enough for a test: two tiny images, one measured run each.
const std::string tiny = "-n 2 --size 16x12 -e sequential,threads --workers 2 --repeats 1 --warmup 0 ";

}  // namespace

TEST_CASE("a report whose folder does not exist fails at once with exit 2 and the OS's reason", "[cli][checks]") {
  pipeline::test::TempFolder temp;
  for (const std::string option : {"--json", "--csv", "--markdown", "--trace", "--html"}) {
    INFO(option);
    const auto outcome = run_cli(tiny + option + " " + quoted(temp.path() / "absent" / "report"));
    INFO(outcome.out << outcome.err);
    CHECK(outcome.status == 2);
    CHECK_THAT(outcome.err, Contains(option) && Contains("No such file or directory"));
    CHECK_FALSE(outcome.err.find("running sequential") != std::string::npos);  // no run started
    CHECK(outcome.out.empty());                                                // no report printed
  }
}

// /sys refuses new files even to root, who may write anywhere else: a folder that exists but cannot be written.
TEST_CASE("a report or output folder that cannot be written fails at once with exit 2", "[cli][checks]") {
  const auto report = run_cli(tiny + "--json /sys/report.json");
  INFO(report.err);
  CHECK(report.status == 2);
  CHECK_THAT(report.err, Contains("--json /sys/report.json") && Contains("Permission denied"));

  const auto output = run_cli(tiny + "--output /sys");
  INFO(output.err);
  CHECK(output.status == 2);
  CHECK_THAT(output.err, Contains("--output /sys") && Contains("Permission denied"));
  CHECK(output.out.empty());

  pipeline::test::TempFolder temp;
  const auto folder_as_report = run_cli(tiny + "--csv " + quoted(temp.path()));
  CHECK(folder_as_report.status == 2);
  CHECK_THAT(folder_as_report.err, Contains("Is a directory"));
}

TEST_CASE("reports are written through a temporary name of their own, which never replaces a user's file",
          "[cli][checks]") {
  pipeline::test::TempFolder temp;
  // The name the reports' temporary file used to have: a user's file of that name must survive.
  std::ofstream(temp.path() / "r.json.tmp") << "mine";
  const auto outcome = run_cli(tiny + "-q --json " + quoted(temp.path() / "r.json"));
  INFO(outcome.err);
  REQUIRE(outcome.status == 0);
  CHECK(read_file(temp.path() / "r.json.tmp") == "mine");
  CHECK(files_in(temp.path()) == std::set<std::string>{"r.json", "r.json.tmp"});  // no temporary, no probe left
  CHECK(nlohmann::json::parse(read_file(temp.path() / "r.json"))["runs"].size() == 2);
}

TEST_CASE("a report that cannot be renamed into place leaves no temporary file behind", "[cli][checks]") {
  pipeline::test::TempFolder temp;
  fs::create_directories(temp.path() / "taken");
  std::ofstream(temp.path() / "taken" / "inside") << "x";  // a non-empty folder: rename() over it fails
  CHECK_THROWS_WITH(image_pipeline::write_text_file_atomically(temp.path() / "taken", "{}"),
                    Contains("cannot write") && Contains("Is a directory"));
  CHECK(files_in(temp.path()) == std::set<std::string>{"taken"});
}

TEST_CASE("the comparison runs no more workers than images, each count once, and labels runs with them",
          "[cli][checks]") {
  pipeline::test::TempFolder temp;
  const auto outcome = run_cli(
      "-n 3 --size 16x12 -e sequential,threads --workers 2 4 1000 --repeats 1 --warmup 0 "
      "--json " +
      quoted(temp.path() / "r.json"));
  INFO(outcome.err);
  REQUIRE(outcome.status == 0);
  CHECK_THAT(outcome.err, Contains("--workers 2 4 1000: 3 image(s), so running 2 3"));
  const auto json = nlohmann::json::parse(read_file(temp.path() / "r.json"));
  REQUIRE(json["runs"].size() == 3);
  CHECK(json["runs"][0]["workers"] == 1);  // the baseline
  CHECK(json["runs"][1]["workers"] == 2);
  CHECK(json["runs"][2]["workers"] == 3);
  for (const auto& run : json["runs"]) CHECK(run["observed"]["threads"].get<int>() <= run["workers"].get<int>());
}

TEST_CASE("workers far beyond the logical CPUs are warned about", "[cli][checks]") {
  // More than 4x the CPUs, and as many images, so that none is capped away.
  const unsigned cpus = std::max(1u, pipeline::describe_machine().logical_cpus);
  const std::string many = std::to_string(4 * cpus + 1);
  const auto outcome =
      run_cli("-n " + many + " --size 8x8 -e sequential,threads --workers " + many + " --repeats 1 --warmup 0");
  INFO(outcome.err);
  CHECK(outcome.status == 0);
  CHECK_THAT(outcome.err, Contains("[warning] " + many + " workers on " + std::to_string(cpus) + " logical CPU(s)"));

  const auto within = run_cli(tiny);  // 2 workers: no warning
  CHECK(within.status == 0);
  CHECK_FALSE(within.err.find("[warning]") != std::string::npos);
}
