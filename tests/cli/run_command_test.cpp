// `image-pipeline run IN_DIR OUT_DIR` as a user runs it: what lands in OUT_DIR, the summary, exit statuses, and a
// progress bar only where a person is watching (a terminal), never in a pipe or a log.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
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
using pipeline::test::Outcome;
using pipeline::test::quoted;
using pipeline::test::read_file;
using pipeline::test::run_cli;
using pipeline::test::run_cli_at_terminal;
using pipeline::test::wait_for_first_output;
namespace fs = std::filesystem;

namespace {

// Good images of every kind the decoder normalises: RGB, grey, RGBA, 16-bit grey, and a non-image file.
const std::vector<std::string> good_stems{"b-colour", "c-grey", "d-alpha", "e-grey16", "f-wide"};

void make_inputs(const fs::path& in) {
  fs::create_directories(in);
  pipeline::write_png_atomic(pipeline::test::noise_image(37, 21, 3, 1), in / "b-colour.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(16, 16, 1, 2), in / "c-grey.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(9, 30, 4, 3), in / "d-alpha.png");
  pipeline::Image grey16(11, 7, 1, pipeline::SampleFormat::u16);
  for (std::size_t i = 0; i < grey16.bytes().size(); ++i) grey16.bytes()[i] = static_cast<std::uint8_t>(i * 37);
  pipeline::write_png_atomic(grey16, in / "e-grey16.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(120, 3, 3, 5), in / "f-wide.png");
  std::ofstream(in / "notes.txt") << "not an image";
}

// Every output is the chain applied to its decoded input, as the library computes it in memory.
void check_outputs(const fs::path& in, const fs::path& out, const std::string& spec) {
  const auto chain = pipeline::parse_filter_chain(spec);
  for (const auto& stem : good_stems) {
    INFO(stem);
    REQUIRE(fs::exists(out / (stem + ".png")));
    CHECK(pipeline::decode_image(out / (stem + ".png")) == chain.apply(pipeline::decode_image(in / (stem + ".png"))));
  }
}

void check_executor_writes_the_library_result(const std::string& executor, const std::string& extra = {}) {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  const auto outcome =
      run_cli("run " + quoted(in) + " " + quoted(out) + " --executor " + executor + " --workers 2" + extra);
  INFO(outcome.out << outcome.err);
  CHECK(outcome.status == 0);
  std::set<std::string> expected;
  for (const auto& stem : good_stems) expected.insert(stem + ".png");
  CHECK(files_in(out) == expected);
  check_outputs(in, out, std::string(pipeline::default_filter_spec));
  CHECK_THAT(outcome.out, Contains(executor + (executor == "sequential" ? " x1" : " x2")));
  CHECK_THAT(outcome.out, Contains("5 found, 5 written, 0 failed"));
  CHECK_THAT(outcome.out, Contains("notes.txt"));
  CHECK_THAT(outcome.out, Contains("MP/s") && Contains("decode") && Contains("filters") && Contains("encode"));
  CHECK_THAT(outcome.out, Contains("Peak memory"));
  CHECK(outcome.err.find('\r') == std::string::npos);  // stderr is a file here: no progress bar
}

}  // namespace

TEST_CASE("run with the sequential executor writes what the library computes", "[cli][run]") {
  check_executor_writes_the_library_result("sequential");
}

TEST_CASE("run with the thread pool writes what the library computes", "[cli][run]") {
  check_executor_writes_the_library_result("threads");
}

TEST_CASE("run with the process pool writes what the library computes", "[cli][run][processes]") {
  check_executor_writes_the_library_result("processes");
}

TEST_CASE("run with the process pool over pipes writes what the library computes", "[cli][run][processes]") {
  check_executor_writes_the_library_result("processes", " --transport pipe");
}

TEST_CASE("run with its defaults writes every image with the default chain", "[cli][run]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  const auto outcome = run_cli("run " + quoted(temp.path() / "in") + " " + quoted(temp.path() / "out"));
  INFO(outcome.out << outcome.err);
  CHECK(outcome.status == 0);
  check_outputs(temp.path() / "in", temp.path() / "out", std::string(pipeline::default_filter_spec));
}

TEST_CASE("run applies the chain given with --filters", "[cli][run]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  const auto outcome = run_cli("run " + quoted(temp.path() / "in") + " " + quoted(temp.path() / "out") +
                               " --filters grayscale,brightness=0.5 --png-compression 0 -q");
  INFO(outcome.out << outcome.err);
  CHECK(outcome.status == 0);
  CHECK(outcome.err.empty());  // -q: errors only
  check_outputs(temp.path() / "in", temp.path() / "out", "grayscale,brightness=0.5");
}

TEST_CASE("run is quiet with -q given before or after the word run", "[cli][run]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  const auto after = run_cli("run " + quoted(temp.path() / "in") + " " + quoted(temp.path() / "a") + " -q");
  const auto before = run_cli("-q run " + quoted(temp.path() / "in") + " " + quoted(temp.path() / "b"));
  const auto neither = run_cli("run " + quoted(temp.path() / "in") + " " + quoted(temp.path() / "c"));
  CHECK(after.status == 0);
  CHECK(before.status == 0);
  CHECK(after.err.empty());
  CHECK(before.err.empty());
  CHECK_THAT(neither.err, Contains("[info]"));
}

TEST_CASE("run names a corrupt image with its reason, exits 1 and writes every other image", "[cli][run]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  std::ofstream(in / "a-broken.jpg", std::ios::binary) << "\xFF\xD8\xFF\xE0 this is not really a JPEG";
  for (const std::string executor : {"sequential", "threads"}) {
    INFO(executor);
    fs::remove_all(out);
    const auto outcome = run_cli("run " + quoted(in) + " " + quoted(out) + " --executor " + executor);
    INFO(outcome.out << outcome.err);
    CHECK(outcome.status == 1);
    CHECK_THAT(outcome.out, Contains("6 found, 5 written, 1 failed"));
    CHECK_THAT(outcome.out, Contains("Failed:\n  a-broken.jpg: "));
    CHECK_THAT(outcome.err, Contains("5 of 6 image(s) written to") && Contains("1 failed (named above)"));
    CHECK_FALSE(fs::exists(out / "a-broken.png"));
    check_outputs(in, out, std::string(pipeline::default_filter_spec));
  }
}

TEST_CASE("run refuses an image over --memory-budget by name, writes every other, and states the budget",
          "[cli][run][processes]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  // 640x480 RGB: about 1.5 MB to decode, filter and encode; every other input takes under 10 kB.
  pipeline::write_png_atomic(pipeline::test::noise_image(640, 480, 3, 7), in / "a-large.png");
  for (const std::string executor : {"sequential", "threads", "processes"}) {
    INFO(executor);
    fs::remove_all(out);
    const auto outcome = run_cli("run " + quoted(in) + " " + quoted(out) + " --executor " + executor +
                                 " --workers 2 --memory-budget 1MiB");
    INFO(outcome.out << outcome.err);
    CHECK(outcome.status == 1);
    CHECK_THAT(outcome.out, Contains("6 found, 5 written, 1 failed"));
    CHECK_THAT(outcome.out, Contains("a-large.png: needs about 1.54 MB to decode, filter and encode, more than the "
                                     "whole memory budget of 1.05 MB"));
    CHECK_THAT(outcome.out, Contains("budget for the images in progress 1.05 MB"));
    CHECK_FALSE(fs::exists(out / "a-large.png"));
    check_outputs(in, out, std::string(pipeline::default_filter_spec));
  }
  const auto unlimited = run_cli("run " + quoted(in) + " " + quoted(out) + " --memory-budget none");
  INFO(unlimited.out << unlimited.err);
  CHECK(unlimited.status == 0);
  CHECK(fs::exists(out / "a-large.png"));
  CHECK(unlimited.out.find("budget") == std::string::npos);
}

TEST_CASE("run with a missing input folder exits 2 with a clear message and creates nothing", "[cli][run]") {
  pipeline::test::TempFolder temp;
  const auto outcome = run_cli("run " + quoted(temp.path() / "absent") + " " + quoted(temp.path() / "out"));
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.err, Contains("absent") && Contains("does not exist"));
  CHECK_FALSE(fs::exists(temp.path() / "out"));
}

TEST_CASE("run whose every image fails says none was written, not that the others were", "[cli][run]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  fs::create_directories(in);
  std::ofstream(in / "a-broken.jpg", std::ios::binary) << "\xFF\xD8\xFF\xE0 this is not really a JPEG";
  const auto outcome = run_cli("run " + quoted(in) + " " + quoted(temp.path() / "out"));
  INFO(outcome.out << outcome.err);
  CHECK(outcome.status == 1);
  CHECK_THAT(outcome.out, Contains("1 found, 0 written, 1 failed"));
  CHECK_THAT(outcome.err, Contains("0 of 1 image(s) written to"));
  CHECK_FALSE(outcome.err.find("the others") != std::string::npos);
}

// /sys refuses new files even to root, who may write anywhere else: a folder that exists but cannot be written.
TEST_CASE("run into a folder that cannot be written exits 2 with the OS's reason before any image is read",
          "[cli][run]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  const auto outcome = run_cli("run " + quoted(temp.path() / "in") + " /sys");
  INFO(outcome.out << outcome.err);
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.err, Contains("OUT_DIR /sys") && Contains("Permission denied"));
  CHECK_FALSE(outcome.err.find("image(s) from") != std::string::npos);  // logged once the run starts: it did not
  CHECK(outcome.out.empty());                                           // no summary: nothing ran
}

TEST_CASE("run starts no more workers than images and its summary names the count that ran", "[cli][run]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  for (const std::string executor : {"threads", "processes"}) {
    INFO(executor);
    const auto out = temp.path() / ("out-" + executor);
    const auto outcome =
        run_cli("run " + quoted(temp.path() / "in") + " " + quoted(out) + " -e " + executor + " -w 1000");
    INFO(outcome.out << outcome.err);
    CHECK(outcome.status == 0);
    CHECK_THAT(outcome.out, Contains(executor + " x5, written as PNG, deflate level 1\n"));  // five images
    CHECK_THAT(outcome.err, Contains("--workers 1000: 5 image(s), so 5 worker(s)"));
  }
}

TEST_CASE("run's worker processes decode an input that needs a libvips module (a PDF) beside plain PNGs",
          "[cli][run][processes][pdf]") {
  // Workers start without libvips' modules unless an input needs one (loader_is_vips_module): here one does.
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  fs::create_directories(in);
  std::ofstream(in / "page.pdf") << pipeline::test::one_page_pdf;
  if (!pipeline::loader_is_vips_module(in / "page.pdf")) {
    WARN("not checked: libvips here reads no PDF through a module");
    return;
  }
  pipeline::write_png_atomic(pipeline::test::noise_image(12, 9, 3, 4), in / "photo.png");
  const auto out = temp.path() / "out";
  const auto outcome = run_cli("run " + quoted(in) + " " + quoted(out) + " -e processes -w 2 -v");
  INFO(outcome.out << outcome.err);
  CHECK(outcome.status == 0);
  CHECK_THAT(outcome.err, Contains("worker processes start with libvips' modules: 'page.pdf' needs one"));
  CHECK(files_in(out) == std::set<std::string>{"page.png", "photo.png"});
  CHECK(pipeline::decode_image(out / "page.png").width() == 10);
}

TEST_CASE("run starts its worker processes without libvips' modules when no input needs one", "[cli][run][processes]") {
  // That the pool then starts them so is worker_vips_modules_test's; here, that `run` asks it for PNG and JPEG.
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  make_inputs(in);
  pipeline::write_image_atomic(pipeline::test::noise_image(12, 9, 3, 5), in / "photo.jpg",
                               {pipeline::ImageFormat::jpeg});
  const auto outcome = run_cli("run " + quoted(in) + " " + quoted(temp.path() / "out") + " -e processes -w 2 -v");
  INFO(outcome.out << outcome.err);
  CHECK(outcome.status == 0);
  CHECK_THAT(outcome.err, Contains("worker processes start without libvips' modules: no input needs one"));
}

TEST_CASE("run refuses to write into its input folder", "[cli][run]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  const auto before = files_in(temp.path() / "in");
  const auto outcome = run_cli("run " + quoted(temp.path() / "in") + " " + quoted(temp.path() / "in" / "."));
  CHECK(outcome.status == 2);
  CHECK_THAT(outcome.err, Contains("is the input folder"));
  CHECK(files_in(temp.path() / "in") == before);
}

TEST_CASE("run's usage errors exit 2", "[cli][run]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  const std::string folders = " " + quoted(temp.path() / "in") + " " + quoted(temp.path() / "out");
  CHECK(run_cli("run").status == 2);                                // no folders
  CHECK(run_cli("run " + quoted(temp.path() / "in")).status == 2);  // no output folder
  CHECK(run_cli("run" + folders + " --executor gpu").status == 2);
  CHECK(run_cli("run" + folders + " --workers 0").status == 2);
  CHECK(run_cli("run" + folders + " --png-compression 10").status == 2);
  CHECK(run_cli("run" + folders + " --repeats 3").status == 2);  // the comparison's, not run's
  for (const std::string budget : {"0", "-5", "lots", "10x", "0%", "150%"}) {
    const auto bad_budget = run_cli("run" + folders + " --memory-budget=" + budget);
    INFO(budget << ": " << bad_budget.err);
    CHECK(bad_budget.status == 2);
    CHECK_THAT(bad_budget.err, Contains("--memory-budget"));
  }
  const auto bad_chain = run_cli("run" + folders + " --filters grayscale,nope");
  CHECK(bad_chain.status == 2);
  CHECK_THAT(bad_chain.err, Contains("nope") && Contains("sharpen"));
  const auto mixed = run_cli("--workers 2 run" + folders);  // a comparison option before `run`
  CHECK(mixed.status == 2);
  CHECK_THAT(mixed.out + mixed.err, Contains("--workers") && Contains("run"));
  CHECK_FALSE(fs::exists(temp.path() / "out"));
}

TEST_CASE("run's help lists its options and exits 0", "[cli][run]") {
  const auto help = run_cli("run --help");
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Contains("IN_DIR") && Contains("OUT_DIR") && Contains("--executor") && Contains("--workers"));
  const auto main_help = run_cli("--help");
  CHECK_THAT(main_help.out, Contains("run"));
}

TEST_CASE("run draws a progress bar at a terminal, and none with -q", "[cli][run][terminal]") {
  pipeline::test::TempFolder temp;
  make_inputs(temp.path() / "in");
  const auto shown = run_cli_at_terminal({"run", (temp.path() / "in").string(), (temp.path() / "out").string()});
  INFO(shown.out);
  CHECK(shown.status == 0);
  CHECK_THAT(shown.out, Contains("\r[") && Contains("/5 images"));
  CHECK_THAT(shown.out, Contains("5 found, 5 written, 0 failed"));  // the summary after it
  const auto quiet = run_cli_at_terminal({"run", (temp.path() / "in").string(), (temp.path() / "out2").string(), "-q"});
  INFO(quiet.out);
  CHECK(quiet.status == 0);
  CHECK(quiet.out.find("images  ") == std::string::npos);
  CHECK_THAT(quiet.out, Contains("5 found, 5 written, 0 failed"));
}

namespace {

// Ctrl-C at a terminal, part way through a run: SIGINT to the CLI's whole process group once it has written its
// first output (or `signal` to the CLI alone, as `kill PID` sends SIGTERM).
void check_interrupted_run(const std::string& executor, int signal = SIGINT) {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  fs::create_directories(in);
  constexpr int images = 60;
  for (int i = 0; i < images; ++i) {
    const auto name = fmt::format("photo-{:02}.png", i);
    pipeline::write_png_atomic(pipeline::test::noise_image(400, 300, 3, static_cast<std::uint64_t>(i) + 11), in / name);
  }
  const pid_t cli = pipeline::test::spawn_cli_in_own_session(
      {"run", in.string(), out.string(), "--executor", executor, "--workers", "1", "--png-compression", "9"},
      temp.path() / "stdout", temp.path() / "stderr");
  // Wait for the first output (the tests run slowly under sanitizers: allow a minute).
  REQUIRE(wait_for_first_output(out));
  REQUIRE(::kill(signal == SIGINT ? -cli : cli, signal) == 0);
  int status = 0;
  REQUIRE(::waitpid(cli, &status, 0) == cli);
  const std::string stdout_text = read_file(temp.path() / "stdout");
  const std::string stderr_text = read_file(temp.path() / "stderr");
  INFO(stdout_text << stderr_text);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + signal);  // as a shell reports a program the signal stopped: 130, 143
  CHECK_THAT(stderr_text, Contains(std::string(signal == SIGINT ? "interrupted" : "terminated") +
                                   ": finishing the images in progress"));
  // Every file in OUT_DIR is a whole output, and no temporary file is left.
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const std::set<std::string> written = files_in(out);
  CHECK(written.size() < static_cast<std::size_t>(images));
  for (const auto& name : written) {
    INFO(name);
    REQUIRE((name.starts_with("photo-") && name.ends_with(".png") && name.find(".tmp") == std::string::npos));
    CHECK(pipeline::decode_image(out / name) == chain.apply(pipeline::decode_image(in / name)));
  }
  CHECK_THAT(stdout_text, Contains(fmt::format("{} found, {} written, 0 failed, {} not started", images, written.size(),
                                               images - static_cast<int>(written.size()))));
  // Nothing of the run is left running: the worker processes, which ignore SIGINT, were stopped by their pool.
  errno = 0;
  CHECK((::kill(-cli, 0) == -1 && errno == ESRCH));
}

}  // namespace

TEST_CASE("Ctrl-C stops a thread-pool run: the images in progress are written whole, no other starts, exit 130",
          "[cli][run][signals]") {
  check_interrupted_run("threads");
}

TEST_CASE("SIGTERM to the CLI stops a run as Ctrl-C does, with exit status 143", "[cli][run][signals]") {
  check_interrupted_run("threads", SIGTERM);
}

TEST_CASE("Ctrl-C stops a process-pool run the same way, its workers ignoring the signal and finishing their images",
          "[cli][run][signals][processes]") {
  check_interrupted_run("processes");
}

TEST_CASE("Ctrl-C while the worker processes start stops the run, and no worker dies of it",
          "[cli][run][signals][processes]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  const pid_t cli = pipeline::test::spawn_cli_in_own_session(
      {"run", in.string(), out.string(), "--executor", "processes", "--workers", "2"}, temp.path() / "stdout",
      temp.path() / "stderr");
  // The first worker process exists from its fork on; it has not yet loaded its libraries, let alone greeted the
  // pool. Signal the whole group then, as a terminal would.
  bool signalled = false;
  for (int waited_us = 0; waited_us < 60'000'000 && !signalled; waited_us += 200) {
    if (!children_of(cli).empty()) {
      REQUIRE(::kill(-cli, SIGINT) == 0);
      signalled = true;
    } else {
      ::usleep(200);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(cli, &status, 0) == cli);
  const std::string stdout_text = read_file(temp.path() / "stdout");
  const std::string stderr_text = read_file(temp.path() / "stderr");
  INFO(stdout_text << stderr_text);
  REQUIRE(signalled);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK_THAT(stdout_text, Contains("0 failed"));
  CHECK(stderr_text.find("killed by signal") == std::string::npos);
  errno = 0;
  CHECK((::kill(-cli, 0) == -1 && errno == ESRCH));
}
