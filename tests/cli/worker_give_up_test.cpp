// A `run` that the process pool gives up while a worker holds an output half written: the CLI fails, and leaves no
// temporary file in OUT_DIR and no worker process. The worker program is a hostile one
// (programs/holding_file_worker.cpp): its first start holds its first job's temporary file and hangs, its second
// dies once that file exists, and every later start dies before its hello, until the pool gives up.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "cli_process.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
namespace fs = std::filesystem;

TEST_CASE("run given up mid-write leaves no temporary file in OUT_DIR and no worker", "[cli][run][processes][faults]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  const auto state = temp.path() / "state";
  fs::create_directories(in);
  fs::create_directories(state);
  for (int i = 0; i < 4; ++i) {
    pipeline::write_png_atomic(pipeline::test::noise_image(64, 48, 3, static_cast<std::uint64_t>(i) + 5),
                               in / fmt::format("photo-{:02}.png", i));
  }
  ::setenv("PIPELINE_TEST_HOLDING_STATE", state.c_str(), 1);  // the CLI and its workers inherit it
  const pid_t cli =
      pipeline::test::spawn_cli_in_own_session({"run", in.string(), out.string(), "--executor", "processes",
                                                "--workers", "2", "--worker-program", HOLDING_FILE_WORKER},
                                               temp.path() / "stdout", temp.path() / "stderr");
  ::unsetenv("PIPELINE_TEST_HOLDING_STATE");

  int status = 0;
  REQUIRE(::waitpid(cli, &status, 0) == cli);
  const std::string stderr_text = pipeline::test::read_file(temp.path() / "stderr");
  INFO(pipeline::test::read_file(temp.path() / "stdout") << stderr_text);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK_THAT(stderr_text, Contains("failed before its handshake (6 starts in a row)"));
  CHECK(fs::exists(state / "saw-temporary"));  // a temporary file was there when the run began to fail
  CHECK(pipeline::test::hidden_files_in(out).empty());
  CHECK(pipeline::test::outputs_in(out) == 0);  // the holder finished none, and the other died on its first
  errno = 0;
  CHECK((::kill(-cli, 0) == -1 && errno == ESRCH));  // nothing of the run is left
}
