// The CLI's help as a new user meets it: `-h` a summary, `--help` everything (placeholders that say what is
// expected, ranges and defaults in words, examples, exit statuses, filters), `help [COMMAND]`.
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "exit_status.hpp"
#include "pipeline/filter_registry.hpp"

using Catch::Contains;
using pipeline::test::run_cli;

namespace {

// What CLI11 prints by itself when no placeholder is set: the parse type and the validator, e.g.
// "UINT:UINT in [1 - 10000000]", "TEXT:{shm,pipe}".
void check_no_type_noise(const std::string& help) {
  for (const char* noise : {" TEXT", " UINT", " INT", " FLOAT", " in [", ":{", "REQUIRED", " VALUE", "build/"}) {
    INFO(noise);
    CHECK_THAT(help, !Contains(noise));
  }
}

// The text with every run of spaces and line breaks made one space: phrases are checked across wrapped lines.
std::string flat(const std::string& text) { return std::regex_replace(text, std::regex(R"(\s+)"), " "); }

}  // namespace

// The names do not start with '-': Catch would read such a name, given on the command line as ctest gives it, as an
// option, print its own usage and exit 0 without running the case.
TEST_CASE("image-pipeline -h prints a summary, one line per option, named image-pipeline, and exits 0", "[cli][help]") {
  const auto summary = run_cli("-h");
  CHECK(summary.status == 0);
  CHECK_THAT(summary.out, Contains("Usage: image-pipeline [OPTIONS] [COMMAND]"));
  CHECK_THAT(summary.out, Contains("  -i, --input DIR|URLS_FILE ") && Contains("  --json FILE ") &&
                              Contains("  --size WxH ") && Contains("  -w, --workers N... ") &&
                              Contains("  -e, --executors LIST ") && Contains("  --transport shm|pipe ") &&
                              Contains("  --compression, --png-compression LEVEL") &&
                              Contains("  --task-timeout SECONDS ") && Contains("  -f, --filters SPEC "));
  CHECK_THAT(summary.out, Contains("  run ") && Contains("  fetch ") && Contains("  help "));
  check_no_type_noise(summary.out);
  // One line per option: each description is its first clause only, and the long help's sections are left out.
  CHECK_THAT(summary.out, !Contains("EXAMPLES") && !Contains("(1 to 1024"));
  CHECK(summary.out.size() < run_cli("--help").out.size() / 2);
}

TEST_CASE(
    "image-pipeline --help says each option's range and default in words, then examples, exit statuses and "
    "filters",
    "[cli][help]") {
  const auto help = run_cli("--help");
  CHECK(help.status == 0);
  check_no_type_noise(help.out);
  const std::string text = flat(help.out);
  CHECK_THAT(text, Contains("Worker counts to compare (1 to 1024, default 2,4)"));
  CHECK_THAT(text, Contains("comma-separated: sequential|processes|threads"));
  CHECK_THAT(text, Contains("0 is none, 1 the fastest, 9 the slowest; PNG's 1 codes literals and runs without an LZ77 "
                            "search, as small as 6 on filtered photos (0 to 9, default 1)"));
  CHECK_THAT(help.out, Contains("EXAMPLES") && Contains("image-pipeline --input ") && Contains("mpirun -n 3 ") &&
                           Contains("image-pipeline run ") && Contains("image-pipeline fetch ") &&
                           Contains("--html report.html") && Contains("--filters grayscale,blur,brightness=1.5"));
  CHECK_THAT(help.out, Contains("EXIT STATUS"));
  for (const auto& status : image_pipeline::exit_status_docs) {
    INFO(status.code);
    CHECK(std::regex_search(help.out, std::regex("\n  " + std::to_string(status.code) + " +[A-Z]")));
  }
  CHECK_THAT(help.out, Contains("130") && Contains("143"));
  CHECK_THAT(help.out, Contains("FILTERS"));
  for (const std::string& filter : pipeline::registered_filters()) CHECK_THAT(help.out, Contains("\n  " + filter));
  CHECK_THAT(text, Contains("brightness[=FACTOR]") && Contains("FACTOR: a number >= 0, default 1.2"));
}

TEST_CASE("each command's help has its own name, arguments and placeholders", "[cli][help]") {
  const auto run = run_cli("run --help");
  CHECK(run.status == 0);
  check_no_type_noise(run.out);
  CHECK_THAT(run.out, Contains("Usage: image-pipeline run [OPTIONS] IN_DIR OUT_DIR"));
  CHECK_THAT(run.out, Contains("-e, --executor sequential|") && Contains("--memory-budget SIZE") &&
                          Contains("FILTERS") && Contains("image-pipeline run ~/photos"));
  CHECK_THAT(run.out, !Contains("mpirun -n 3"));  // the comparison's examples are not run's

  const auto fetch = run_cli("fetch -h");
  CHECK(fetch.status == 0);
  check_no_type_noise(fetch.out);
  CHECK_THAT(fetch.out, Contains("Usage: image-pipeline fetch [OPTIONS] URLS_FILE DIR") &&
                            Contains("--timeout SECONDS") && Contains("-p, --parallel N"));
  CHECK_THAT(flat(run_cli("fetch --help").out), Contains("(above 0, default") && !Contains("FILTERS"));
}

TEST_CASE("image-pipeline help [COMMAND] prints the whole help and exits 0", "[cli][help]") {
  const auto help = run_cli("help");
  CHECK(help.status == 0);
  CHECK(help.out == run_cli("--help").out);
  const auto help_run = run_cli("help run");
  CHECK(help_run.status == 0);
  CHECK(help_run.out == run_cli("run --help").out);
  CHECK(run_cli("help fetch").out == run_cli("fetch --help").out);
}
