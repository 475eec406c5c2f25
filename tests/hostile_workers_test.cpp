// Worker programs that break the protocol on purpose, each in its own way: silent, junk, a frame cut short, a
// frame declared huge, silent after its hello, the wrong frame type, a clean exit in the middle of a task. A pool
// pointed at one fails within its timeouts with the misdeed named, or recovers when only its first start
// misbehaves; never a hang, never a child left. This executable is the hostile worker too (`--hostile MODE
// [TOKEN]`): the modes live next to the cases that expect them, and only the wire format (wire.hpp) is shared with
// the library.
#define CATCH_CONFIG_RUNNER  // our own main (it must serve as a worker before Catch2 sees the arguments)
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "file_jobs.hpp"
#include "log_capture.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/worker.hpp"
#include "process_pool/wire.hpp"
#include "test_images.hpp"
#include "worker_faults.hpp"  // first_time, no_children_left
#include "worker_wire.hpp"

namespace wire = pipeline::wire;
using pipeline::test::first_time;
using pipeline::test::no_children_left;
using pipeline::test::read_frame;
using pipeline::test::write_all;
namespace fs = std::filesystem;

namespace {

// --- The hostile worker side -------------------------------------------------------------------------------------

// A valid header that declares `payload_bytes`, the first `sent` of them (zeros), then nothing more, ever.
[[noreturn]] void send_cut_frame(wire::FrameType type, std::uint64_t payload_bytes, std::size_t sent) {
  std::vector<std::uint8_t> frame = wire::encode_ready(0);  // any valid frame: its header is rewritten below
  frame.resize(wire::header_bytes);
  const auto raw_type = static_cast<std::uint32_t>(type);
  for (int i = 0; i < 4; ++i) frame[4 + i] = static_cast<std::uint8_t>(raw_type >> (8 * i));
  for (int i = 0; i < 8; ++i) frame[8 + i] = static_cast<std::uint8_t>(payload_bytes >> (8 * i));
  frame.resize(wire::header_bytes + sent, 0);
  write_all(frame);
  for (;;) ::pause();
}

// Modes that misbehave before the hello, and those that follow the protocol up to their first task.
[[noreturn]] void misbehave_at_start(std::string_view mode) {
  if (mode == "silent") {
    for (;;) ::pause();
  }
  if (mode == "garbage") {
    write_all(std::vector<std::uint8_t>(64, 0xAB));
    for (;;) ::pause();
  }
  wire::FrameType type{};
  std::vector<std::uint8_t> payload;
  if (!read_frame(type, payload)) ::_exit(4);  // the handshake
  if (mode == "truncated-hello") send_cut_frame(wire::FrameType::hello, 16, 5);
  // Just under the default limit, so that the header itself is valid and the parent waits for the payload.
  if (mode == "huge-hello") send_cut_frame(wire::FrameType::hello, wire::default_max_frame_bytes - 64, 0);
  ::_exit(5);  // not a start-up mode
}

[[noreturn]] void misbehave_at_task(std::string_view mode) {
  wire::FrameType type{};
  std::vector<std::uint8_t> payload;
  while (read_frame(type, payload)) {
    switch (type) {
      case wire::FrameType::handshake: write_all(wire::encode_hello({wire::protocol_version, ::getpid()})); break;
      case wire::FrameType::chain:
        if (mode == "silent-on-chain") {
          for (;;) ::pause();  // said hello, and now says nothing: the run's chain is never answered
        }
        write_all(wire::encode_ready(wire::decode_chain(payload).run));
        break;
      case wire::FrameType::task:
      case wire::FrameType::file_task:
        if (mode == "truncated-result") send_cut_frame(wire::FrameType::result, 200, 10);
        if (mode == "wrong-type") write_all(wire::encode_hello({wire::protocol_version, ::getpid()}));
        if (mode == "exit-0-mid-task") ::_exit(0);
        break;
      default: break;  // a segment frame: nothing to map, no task is ever done
    }
  }
  ::_exit(0);
}

// `--hostile MODE [TOKEN]`: misbehaves as MODE says; with TOKEN, only if it can take it, else a real worker.
int serve_hostile(int argc, char** argv) {
  const std::string_view mode = argv[2];
  std::string flag(pipeline::worker_flag);
  char* worker_argv[] = {argv[0], flag.data(), nullptr};
  if (mode == "die-after-hello" && argc == 4) {
    // The first start is a sound worker that is killed a second after it started, as by `kill -9`, while the
    // others take longer than that to start (a loaded machine, a slow disk).
    if (first_time(argv[3])) {
      std::thread([] {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        ::raise(SIGKILL);
      }).detach();
    } else {
      std::this_thread::sleep_for(std::chrono::seconds(3));
    }
    return pipeline::serve_worker(2, worker_argv);
  }
  if (argc == 4 && !first_time(argv[3])) return pipeline::serve_worker(2, worker_argv);
  if (mode == "silent" || mode == "garbage" || mode == "truncated-hello" || mode == "huge-hello") {
    misbehave_at_start(mode);
  }
  misbehave_at_task(mode);
}

// --- The parent side -----------------------------------------------------------------------------------------------

// Small enough that a misdeed found by a timeout costs the test a second or two, not minutes.
constexpr double test_timeout_seconds = 1.0;

pipeline::ProcessPoolOptions hostile(std::string_view mode, const std::string& token = {}) {
  pipeline::ProcessPoolOptions options;
  options.worker_program = fs::read_symlink("/proc/self/exe");
  options.worker_arguments = {"--hostile", std::string(mode)};
  if (!token.empty()) options.worker_arguments.push_back(token);
  options.start_timeout_seconds = test_timeout_seconds;
  options.task_timeout.seconds = test_timeout_seconds;
  return options;
}

pipeline::Batch small_batch(int count) {
  pipeline::Batch batch;
  for (int i = 0; i < count; ++i)
    batch.push_back({"img-" + std::to_string(i), pipeline::test::noise_image(16, 12, 3, 60 + i)});
  return batch;
}

// What a run with a hostile pool did: its result, or what it threw; and how long it took, for the log only.
struct Attempt {
  std::optional<pipeline::BatchResult> result;
  std::string error;
  double seconds = 0.0;
};

Attempt run_pool(int workers, const pipeline::ProcessPoolOptions& options, const pipeline::Batch& batch) {
  Attempt attempt;
  const auto start = std::chrono::steady_clock::now();
  try {
    pipeline::ProcessPoolExecutor processes(workers, options);
    attempt.result = processes.run(pipeline::parse_filter_chain("grayscale"), batch);
  } catch (const std::exception& error) {
    attempt.error = error.what();
  }
  attempt.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return attempt;
}

}  // namespace

int main(int argc, char** argv) {
  if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;
  if (argc >= 3 && std::string_view(argv[1]) == "--hostile") return serve_hostile(argc, argv);
  return Catch::Session().run(argc, argv);
}

// First in this file: it measures this process's peak memory, which the huge-hello cases below would raise.
TEST_CASE("a frame declared huge but never sent costs the parent no memory of that size", "[hostile]") {
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  const Attempt attempt = run_pool(1, hostile("huge-hello"), small_batch(1));
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  const long grown_mib = (after.ru_maxrss - before.ru_maxrss) / 1024;
  INFO(attempt.error << "\npeak memory grew by " << grown_mib << " MiB");
  CHECK_THAT(attempt.error, Catch::Contains("did not answer its handshake within 1.00 s (the start-up timeout)"));
  // A worker that declares ~1 GiB and sends nothing must not make the parent commit ~1 GiB (per worker) up front:
  // with a pool of 8 such workers that is 8 GiB for frames that never come. 256 MiB is far above this test's own.
  CHECK(grown_mib < 256);
  CHECK(no_children_left());
}

TEST_CASE("a worker program that misbehaves before its hello ends the run with the misdeed named", "[hostile]") {
  const auto [mode, expected] = GENERATE(table<std::string, std::string>({
      {"silent", "did not answer its handshake within 1.00 s (the start-up timeout)"},
      {"garbage", "broke the protocol (malformed frame header: bad magic"},
      {"truncated-hello", "did not answer its handshake within 1.00 s (the start-up timeout)"},
      {"huge-hello", "did not answer its handshake within 1.00 s (the start-up timeout)"},
  }));
  const Attempt attempt = run_pool(2, hostile(mode), small_batch(4));
  INFO(mode << " (" << attempt.seconds << " s): " << attempt.error);
  CHECK_FALSE(attempt.result.has_value());
  // Both workers of a pool that never had one start: the program is taken for no worker at all.
  CHECK_THAT(attempt.error, Catch::Contains("failed before its handshake") && Catch::Contains(expected));
  CHECK(no_children_left());
}

TEST_CASE("a worker program that misbehaves at every task fails each image with the misdeed named", "[hostile]") {
  const auto [mode, expected] = GENERATE(table<std::string, std::string>({
      {"truncated-result", "did not finish its task within 1.00 s (the task timeout) and was killed"},
      {"wrong-type", "broke the protocol (unexpected hello frame) and was killed"},
      {"exit-0-mid-task", "exited with code 0"},
  }));
  const auto batch = small_batch(2);
  const Attempt attempt = run_pool(2, hostile(mode), batch);
  INFO(mode << " (" << attempt.seconds << " s): " << attempt.error);
  REQUIRE(attempt.result.has_value());
  REQUIRE(attempt.result->tasks.size() == batch.size());
  for (const auto& task : attempt.result->tasks) {
    INFO(task.record.image << ": " << task.record.error);
    // max_retries is 1: two attempts, each on a worker of its own, each with the same misdeed.
    CHECK_THAT(task.record.error,
               Catch::Contains("the worker died on each of 2 attempts") && Catch::Contains(expected));
  }
  CHECK(no_children_left());
}

TEST_CASE("a worker program that misbehaves at every file task fails each file job with the misdeed named",
          "[hostile][files]") {
  // It misbehaves before saying it started the file task: the job is charged all the same.
  const auto [mode, expected] = GENERATE(table<std::string, std::string>({
      {"truncated-result", "did not finish its task within 1.00 s (the task timeout) and was killed"},
      {"wrong-type", "broke the protocol (unexpected hello frame) and was killed"},
      {"exit-0-mid-task", "exited with code 0"},
  }));
  const pipeline::test::TempFolder folder;
  const auto jobs = pipeline::test::write_png_jobs(folder.path() / "in", folder.path() / "out", 2, 40);
  std::optional<pipeline::BatchResult> result;
  std::string error;
  try {
    pipeline::ProcessPoolExecutor processes(2, hostile(mode));
    result = processes.run_files(pipeline::parse_filter_chain("grayscale"), jobs, {});
  } catch (const std::exception& thrown) {
    error = thrown.what();
  }
  INFO(mode << ": " << error);
  REQUIRE(result.has_value());
  REQUIRE(result->tasks.size() == jobs.size());
  for (const auto& task : result->tasks) {
    INFO(task.record.image << ": " << task.record.error);
    CHECK_THAT(task.record.error,
               Catch::Contains("the worker died on each of 2 attempts") && Catch::Contains(expected));
  }
  CHECK(no_children_left());
}

TEST_CASE("a worker that misbehaves only at its first start is replaced, and the batch completes on real workers",
          "[hostile]") {
  const std::string mode = GENERATE("silent", "garbage", "truncated-hello", "huge-hello", "silent-on-chain",
                                    "truncated-result", "wrong-type", "exit-0-mid-task");
  pipeline::test::TempFolder folder;
  const auto token = (folder.path() / "misbehaved").string();
  const auto batch = small_batch(6);
  // Real workers start here too: their start-up must fit in the timeout on a loaded machine under ASan, and while
  // the parent is busy with a huge frame's allocation (see the first case). The misdeeds found by a timeout cost it.
  auto options = hostile(mode, token);
  options.start_timeout_seconds = 5.0;
  options.task_timeout.seconds = 3.0;
  const Attempt attempt = run_pool(2, options, batch);
  INFO(mode << " (" << attempt.seconds << " s): " << attempt.error);
  CHECK(fs::exists(token));  // the first start did take the token, and misbehaved
  REQUIRE(attempt.result.has_value());
  REQUIRE(attempt.result->tasks.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& record = attempt.result->tasks[i].record;
    INFO(batch[i].name << ": " << record.error);
    REQUIRE(record.ok());
    CHECK(attempt.result->tasks[i].output == pipeline::parse_filter_chain("grayscale").apply(batch[i].image));
  }
  CHECK(no_children_left());
}

TEST_CASE("start() survives a worker killed after its hello while another is still starting", "[hostile]") {
  pipeline::test::TempFolder folder;
  auto options = hostile("die-after-hello", (folder.path() / "killed").string());
  options.start_timeout_seconds = 30.0;  // the others take 3 s to start, on purpose
  pipeline::ProcessPoolExecutor processes(2, options);
  std::string error;
  try {
    processes.start();  // as the comparison does before it measures
  } catch (const std::exception& thrown) {
    error = thrown.what();
  }
  INFO(error);
  // The pool survives a worker killed at any moment in a run; start() is the one moment it does not.
  CHECK(error.empty());
  const auto batch = small_batch(4);
  const auto result = processes.run(pipeline::parse_filter_chain("grayscale"), batch);
  CHECK(result.failure_count() == 0);
  processes.stop();
  CHECK(no_children_left());
}

TEST_CASE("a worker that says hello but never answers the run's chain is killed by the start-up timeout, named so",
          "[hostile]") {
  // Every start stalls on its chain: each is killed for it and replaced, and the run is given up after as many
  // such workers in a row as the pool allows failed starts (one worker: 4, a second each), with the last cause.
  pipeline::test::LogCapture log;
  const Attempt attempt = run_pool(1, hostile("silent-on-chain"), small_batch(1));
  INFO(attempt.seconds << " s: " << attempt.error << "\n" << log.text());
  CHECK_FALSE(attempt.result.has_value());
  CHECK_THAT(attempt.error,
             Catch::Contains("did not take the run's chain (5 workers in a row)") &&
                 Catch::Contains("did not answer its chain within 1.00 s (the start-up timeout) and was killed"));
  CHECK_THAT(log.text(),
             Catch::Contains("did not answer its chain within 1.00 s (the start-up timeout) and was killed"));
  CHECK(no_children_left());
}

TEST_CASE("a started pool's worker that never answers the next run's chain is replaced, the start-up timeout named",
          "[hostile]") {
  // start() sends no chain: the first start, which stalls on chains, is up and idle like the sound one. The run's
  // chain then goes to both, and only the sound one answers.
  pipeline::test::TempFolder folder;
  const auto token = (folder.path() / "misbehaved").string();
  auto options = hostile("silent-on-chain", token);
  options.start_timeout_seconds = 5.0;  // its replacement is a real worker: its start-up must fit on a loaded machine
  pipeline::test::LogCapture log;
  pipeline::ProcessPoolExecutor processes(2, options);
  processes.start();
  REQUIRE(fs::exists(token));  // the stalling one is in the pool
  const auto batch = small_batch(4);
  const auto result = processes.run(pipeline::parse_filter_chain("grayscale"), batch);
  INFO(log.text());
  CHECK(result.failure_count() == 0);
  CHECK_THAT(log.text(),
             Catch::Contains("did not answer its chain within 5.00 s (the start-up timeout) and was killed"));
  const auto pids = processes.worker_pids();
  CHECK(std::count(pids.begin(), pids.end(), 0) == 0);  // replaced: the pool keeps its size
  processes.stop();
  CHECK(no_children_left());
}
