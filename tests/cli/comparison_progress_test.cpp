// The comparison's progress indicator: drawn on stderr at a terminal, labelled with the configuration running;
// never in a pipe or a log, and not with -q.
#include <string>

#include <catch2/catch.hpp>

#include "cli_process.hpp"

using Catch::Matchers::Contains;

TEST_CASE("the comparison shows its progress at a terminal, counting every task of every run", "[cli][terminal]") {
  // 3 configurations (sequential, processes x2, threads x2) x 2 runs (1 warm-up, 1 measured) x 3 images.
  const auto shown = pipeline::test::run_cli_at_terminal(
      {"-n", "3", "--size", "64x48", "--workers", "2", "--repeats", "1", "--warmup", "1"});
  INFO(shown.out);
  CHECK(shown.status == 0);
  CHECK_THAT(shown.out, Contains("/18 tasks") && Contains("sequential x1 ["));
  CHECK_THAT(shown.out, Contains("Paradigm"));  // the report follows
}

TEST_CASE("the comparison draws no progress in a pipe, nor at a terminal with -q", "[cli][terminal]") {
  const auto piped = pipeline::test::run_cli("-n 3 --size 64x48 --workers 2 --repeats 1 --warmup 0");
  CHECK(piped.status == 0);
  CHECK(piped.err.find('\r') == std::string::npos);
  CHECK(piped.out.find('\r') == std::string::npos);
  CHECK(piped.err.find(" tasks") == std::string::npos);
  const auto quiet = pipeline::test::run_cli_at_terminal(
      {"-n", "3", "--size", "64x48", "--workers", "2", "--repeats", "1", "--warmup", "0", "-q"});
  CHECK(quiet.status == 0);
  CHECK(quiet.out.find(" tasks") == std::string::npos);
}
