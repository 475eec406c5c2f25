// `image-pipeline run IN_DIR OUT_DIR --resume` as a user runs it after a run that stopped part way: only what is
// missing or older than its input is written. An output is "not written" when its inode and modification time are
// those it had; every write is a new file renamed over the old one (atomic), so a rewritten output has a new inode
// whatever the clock says. Input times are set by the test, so nothing depends on the clock's tick.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli_process.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::test::files_in;
using pipeline::test::hidden_files_in;
using pipeline::test::quoted;
using pipeline::test::run_cli;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> stems{"a", "b", "c", "d", "e"};

// Five images modified an hour ago, and a file that is not one.
void make_inputs(const fs::path& in) {
  fs::create_directories(in);
  std::uint64_t seed = 1;
  for (const auto& stem : stems) {
    pipeline::write_png_atomic(pipeline::test::noise_image(17, 11, 3, seed++), in / (stem + ".png"));
    fs::last_write_time(in / (stem + ".png"), fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
  std::ofstream(in / "notes.txt") << "not an image";
}

// Which file an output is and when it was last written: unchanged only if it was not written again.
struct FileIdentity {
  ino_t inode = 0;
  fs::file_time_type modified{};
  bool operator==(const FileIdentity&) const = default;
};

std::map<std::string, FileIdentity> identities(const fs::path& out) {
  std::map<std::string, FileIdentity> files;
  for (const auto& stem : stems) {
    const fs::path path = out / (stem + ".png");
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0) files[stem] = {status.st_ino, fs::last_write_time(path)};
  }
  return files;
}

// The stems whose output is a new file since `before` (or appeared since).
std::vector<std::string> rewritten(const std::map<std::string, FileIdentity>& before,
                                   const std::map<std::string, FileIdentity>& after) {
  std::vector<std::string> stems_written;
  for (const auto& [stem, identity] : after) {
    const auto old = before.find(stem);
    if (old == before.end() || !(old->second == identity)) stems_written.push_back(stem);
  }
  return stems_written;
}

void check_outputs(const fs::path& in, const fs::path& out) {
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  for (const auto& stem : stems) {
    INFO(stem);
    REQUIRE(fs::exists(out / (stem + ".png")));
    CHECK(pipeline::decode_image(out / (stem + ".png")) == chain.apply(pipeline::decode_image(in / (stem + ".png"))));
  }
}

// A first run, a --resume run with nothing to do, one after 2 outputs were deleted and an input was touched, and
// one without --resume: each writes exactly what it should, with `executor`.
void check_resume(const std::string& executor) {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  const std::string command = "run " + quoted(in) + " " + quoted(out) + " --executor " + executor + " --workers 2";

  const auto first = run_cli(command);
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  CHECK_THAT(first.out, Contains("5 found, 5 written, 0 failed"));
  const auto written = identities(out);
  REQUIRE(written.size() == stems.size());

  const auto again = run_cli(command + " --resume");
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK_THAT(again.out, Contains("5 found, 5 up to date (skipped), 0 written, 0 failed"));
  CHECK_THAT(again.err, Contains("--resume: 5 of 5 image(s) up to date"));
  CHECK(identities(out) == written);

  fs::remove(out / "a.png");
  fs::remove(out / "d.png");
  fs::last_write_time(in / "c.png", fs::last_write_time(out / "c.png") + std::chrono::seconds(1));
  const auto resumed = run_cli(command + " --resume");
  INFO(resumed.out << resumed.err);
  CHECK(resumed.status == 0);
  CHECK_THAT(resumed.out, Contains("5 found, 2 up to date (skipped), 3 written, 0 failed"));
  CHECK_THAT(resumed.err, Contains("1 output(s) not newer than their input, redone: c.png"));
  const auto after_resume = identities(out);
  CHECK(rewritten(written, after_resume) == std::vector<std::string>{"a", "c", "d"});
  CHECK(files_in(out).size() == stems.size());
  CHECK(hidden_files_in(out).empty());
  check_outputs(in, out);

  const auto full = run_cli(command);
  INFO(full.out << full.err);
  CHECK(full.status == 0);
  CHECK_THAT(full.out, Contains("5 found, 5 written, 0 failed"));
  CHECK(full.out.find("up to date") == std::string::npos);
  CHECK(rewritten(after_resume, identities(out)) == stems);
}

}  // namespace

TEST_CASE("run --resume with the sequential executor writes only what is missing or older", "[cli][run][resume]") {
  check_resume("sequential");
}

TEST_CASE("run --resume with the thread pool writes only what is missing or older", "[cli][run][resume]") {
  check_resume("threads");
}

TEST_CASE("run --resume with the process pool writes only what is missing or older", "[cli][run][resume][processes]") {
  check_resume("processes");
}

TEST_CASE("run --resume with nothing left to write succeeds in an OUT_DIR it can no longer write",
          "[cli][run][resume]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  const std::string command = "run " + quoted(in) + " " + quoted(out) + " --resume";
  REQUIRE(run_cli(command).status == 0);  // nothing to skip the first time: every image written
  fs::permissions(out, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  const bool read_only = ::access(out.c_str(), W_OK) != 0;  // root writes anyway: the probe would pass
  const auto again = run_cli(command);
  fs::permissions(out, fs::perms::owner_write, fs::perm_options::add);  // so the folder can be removed
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK_THAT(again.out, Contains("5 found, 5 up to date (skipped), 0 written, 0 failed"));

  if (read_only) {
    fs::remove(out / "b.png");  // the folder is writable again here; made read-only once more below
    fs::permissions(out, fs::perms::owner_write, fs::perm_options::remove);
    const auto blocked = run_cli(command);
    fs::permissions(out, fs::perms::owner_write, fs::perm_options::add);
    INFO(blocked.out << blocked.err);
    CHECK(blocked.status == 2);  // something to write: the probe refuses before any image is read
    CHECK_THAT(blocked.err, Contains("cannot write in"));
  }
}

TEST_CASE("run --help describes --resume", "[cli][run][resume]") {
  const auto help = run_cli("run --help");
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Contains("--resume") && Contains("newer than the image"));
}
