// A mistyped option, command or filter is named with the nearest valid one, exit status 2.
#include <string>

#include <catch2/catch.hpp>

#include "cli_process.hpp"

using Catch::Contains;
using pipeline::test::run_cli;

TEST_CASE("an unknown option suggests the nearest, with the command's usage", "[cli][did-you-mean]") {
  const auto outcome = run_cli("--worker 2");
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.err, Contains("unknown option '--worker'; did you mean '--workers'?"));
  CHECK_THAT(outcome.err, Contains("Usage: image-pipeline [OPTIONS]") && Contains("image-pipeline -h"));
  CHECK_THAT(outcome.err, !Contains("not expected"));

  const auto run = run_cli("run in out --wokers 2");
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Contains("unknown option '--wokers'; did you mean '--workers'?") &&
                          Contains("Usage: image-pipeline run [OPTIONS] IN_DIR OUT_DIR"));
  // Even when the typo leaves a required argument missing.
  CHECK_THAT(run_cli("run in --wokers").err, Contains("did you mean '--workers'?"));
  const auto fetch = run_cli("fetch --paralel 3 urls.txt dir");
  CHECK(fetch.status == 2);
  CHECK_THAT(fetch.err, Contains("unknown option '--paralel'; did you mean '--parallel'?"));
  CHECK_THAT(run_cli("--exectors=threads").err, Contains("unknown option '--exectors'; did you mean '--executors'?"));
}

TEST_CASE("an unknown option far from every other is named without a guess", "[cli][did-you-mean]") {
  const auto outcome = run_cli("--colour");
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.err, Contains("unknown option '--colour'") && !Contains("did you mean"));
  // run has no --output (its OUT_DIR is an argument): nothing of the comparison's is offered
  CHECK_THAT(run_cli("run a b --ouput x").err, Contains("unknown option '--ouput'") && !Contains("did you mean"));
}

TEST_CASE("a mistyped command suggests the nearest", "[cli][did-you-mean]") {
  const auto outcome = run_cli("rnu in out");
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.err, Contains("unknown command 'rnu'; did you mean 'run'?"));
  CHECK_THAT(run_cli("fecth urls.txt dir").err, Contains("did you mean 'fetch'?"));
  const auto help = run_cli("help rnu");
  CHECK(help.status == 2);
  CHECK_THAT(help.err, Contains("unknown value 'rnu'; did you mean 'run'?"));
}

TEST_CASE("a mistyped filter suggests the nearest registered one", "[cli][did-you-mean]") {
  const auto outcome = run_cli("--filters grayscale,blurr -n 1");
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.err, Contains("unknown filter 'blurr'; did you mean 'blur'?"));
  pipeline::test::TempFolder temp;
  const auto run = run_cli("run " + pipeline::test::quoted(temp.path()) + " " +
                           pipeline::test::quoted(temp.path() / "out") + " --filters sobell");
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Contains("did you mean 'sobel'?"));
}
