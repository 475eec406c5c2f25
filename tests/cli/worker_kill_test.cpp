// Worker processes killed from outside while `run` works: an established one, then its replacement the moment it
// appears (before its handshake). The batch completes, every output whole, no temporary file left, no process.
// The comparison under the same kills is chaos_test.cpp's: it paces its kills by the workers' age, which a
// comparison of tiny runs on an idle machine needs (a fixed delay here found the pool already gone).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "cli_process.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::test::children_of;
using pipeline::test::files_in;
using pipeline::test::read_file;
using pipeline::test::wait_for_first_output;
namespace fs = std::filesystem;

namespace {

// Waits for a child of `cli` that is not in `known`, and returns it; 0 if none came within a minute.
pid_t wait_for_new_child(pid_t cli, const std::vector<pid_t>& known) {
  for (int waited_us = 0; waited_us < 60'000'000; waited_us += 100) {
    for (const pid_t child : children_of(cli)) {
      if (std::find(known.begin(), known.end(), child) == known.end()) return child;
    }
    ::usleep(100);
  }
  return 0;
}

}  // namespace

TEST_CASE("run survives a worker killed and its replacement killed as it starts",
          "[cli][run][processes][faults][timing]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  fs::create_directories(in);
  constexpr int images = 40;
  for (int i = 0; i < images; ++i) {
    pipeline::write_png_atomic(pipeline::test::noise_image(400, 300, 3, static_cast<std::uint64_t>(i) + 70),
                               in / fmt::format("photo-{:02}.png", i));
  }
  const pid_t cli = pipeline::test::spawn_cli_in_own_session(
      {"run", in.string(), out.string(), "--executor", "processes", "--workers", "2", "--png-compression", "9"},
      temp.path() / "stdout", temp.path() / "stderr");

  // Once the first output is written both workers are established: kill one of them.
  REQUIRE(wait_for_first_output(out));
  std::vector<pid_t> known = children_of(cli);
  REQUIRE(known.size() == 2);
  REQUIRE(::kill(known.front(), SIGKILL) == 0);
  // Its replacement, the moment it exists: long before it has loaded its libraries, let alone said hello.
  const pid_t replacement = wait_for_new_child(cli, known);
  REQUIRE(replacement != 0);
  ::kill(replacement, SIGKILL);

  int status = 0;
  REQUIRE(::waitpid(cli, &status, 0) == cli);
  const std::string stdout_text = read_file(temp.path() / "stdout");
  const std::string stderr_text = read_file(temp.path() / "stderr");
  INFO(stdout_text << stderr_text);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(stdout_text, Contains(fmt::format("{} found, {} written, 0 failed", images, images)));
  CHECK_THAT(stderr_text, Contains("before its handshake; starting another"));
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const std::set<std::string> written = files_in(out);
  CHECK(written.size() == static_cast<std::size_t>(images));  // no temporary file among them
  for (const auto& name : written) {
    INFO(name);
    REQUIRE((name.starts_with("photo-") && name.ends_with(".png")));
  }
  CHECK(pipeline::decode_image(out / "photo-00.png") == chain.apply(pipeline::decode_image(in / "photo-00.png")));
  errno = 0;
  CHECK((::kill(-cli, 0) == -1 && errno == ESRCH));  // nothing of the run is left
}
