// Started as a shell script's background job (`image-pipeline ... &`), the CLI inherits SIGINT ignored: the
// terminal's Ctrl-C is not meant for it, and it keeps ignoring it; SIGTERM still stops it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "cli_process.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::test::outputs_in;
using pipeline::test::wait_for_first_output;
namespace fs = std::filesystem;

namespace {

constexpr int images = 40;

pid_t spawn_as_background_job(const fs::path& in, const fs::path& out, const fs::path& folder) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::setsid();
    std::signal(SIGINT, SIG_IGN);  // what `&` in a non-interactive shell does; exec keeps it
    std::FILE* out_file = std::freopen((folder / "stdout").c_str(), "w", stdout);
    std::FILE* err_file = std::freopen((folder / "stderr").c_str(), "w", stderr);
    if (out_file == nullptr || err_file == nullptr) ::_exit(126);
    pipeline::test::exec_cli(
        {"run", in.string(), out.string(), "--executor", "threads", "--workers", "1", "--png-compression", "9"});
  }
  return child;
}

void make_inputs(const fs::path& in) {
  fs::create_directories(in);
  for (int i = 0; i < images; ++i) {
    pipeline::write_png_atomic(pipeline::test::noise_image(400, 300, 3, static_cast<std::uint64_t>(i) + 3),
                               in / fmt::format("photo-{:02}.png", i));
  }
}

}  // namespace

TEST_CASE("a background job ignores SIGINT, twice, and finishes every image", "[cli][signals][timing]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  const pid_t cli = spawn_as_background_job(temp.path() / "in", temp.path() / "out", temp.path());
  REQUIRE(wait_for_first_output(temp.path() / "out"));
  // Had the CLI taken SIGINT over, the first would stop the run and the second end it at once.
  REQUIRE(::kill(-cli, SIGINT) == 0);
  ::usleep(50'000);
  REQUIRE(::kill(-cli, SIGINT) == 0);
  int status = 0;
  REQUIRE(::waitpid(cli, &status, 0) == cli);
  INFO(pipeline::test::read_file(temp.path() / "stdout") << pipeline::test::read_file(temp.path() / "stderr"));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(outputs_in(temp.path() / "out") == static_cast<std::size_t>(images));
}

TEST_CASE("a background job still stops on SIGTERM", "[cli][signals][timing]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  const pid_t cli = spawn_as_background_job(temp.path() / "in", temp.path() / "out", temp.path());
  REQUIRE(wait_for_first_output(temp.path() / "out"));
  REQUIRE(::kill(cli, SIGTERM) == 0);
  int status = 0;
  REQUIRE(::waitpid(cli, &status, 0) == cli);
  const std::string stderr_text = pipeline::test::read_file(temp.path() / "stderr");
  INFO(stderr_text);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 143);
  CHECK_THAT(stderr_text, Contains("terminated: finishing the images in progress"));
}
