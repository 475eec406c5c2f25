// A frame header only declares a size: memory is spent on the bytes that arrive, on either side of the pipes. And a
// worker that gives up on a cut-off or malformed frame says why at the default log level.
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/filter_registry.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "process_pool/wire.hpp"
#include "test_images.hpp"

namespace wire = pipeline::wire;
using Catch::Contains;

namespace {

struct WorkerRun {
  int status = -1;
  long max_rss_kib = 0;  // the worker's peak resident set (wait4)
  std::string err;
  std::vector<std::uint8_t> out;
};

// Runs image-pipeline-worker with `input` as its whole stdin (then closed); collects stdout, stderr, how it ended.
WorkerRun run_worker(const std::vector<std::uint8_t>& input) {
  std::signal(SIGPIPE, SIG_IGN);  // a worker that refuses may leave before reading everything
  int in[2], out[2], err[2];
  REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execl(IMAGE_PIPELINE_WORKER, IMAGE_PIPELINE_WORKER, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  // Small inputs: they fit in the pipe, so writing cannot wait for the worker.
  REQUIRE(input.size() < 65536);
  CHECK(::write(in[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
  ::close(in[1]);
  WorkerRun run;
  std::vector<pollfd> open{{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  while (!open.empty() && ::poll(open.data(), open.size(), 120'000) > 0) {
    for (auto it = open.begin(); it != open.end();) {
      char buffer[4096];
      const ssize_t n = it->revents != 0 ? ::read(it->fd, buffer, sizeof buffer) : -1;
      if (n > 0 && it->fd == out[0]) run.out.insert(run.out.end(), buffer, buffer + n);
      if (n > 0 && it->fd == err[0]) run.err.append(buffer, static_cast<std::size_t>(n));
      if (n == 0 || (n < 0 && it->revents != 0)) {
        ::close(it->fd);
        it = open.erase(it);
      } else {
        ++it;
      }
    }
  }
  int status = 0;
  rusage usage{};
  REQUIRE(::wait4(child, &status, 0, &usage) == child);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.max_rss_kib = usage.ru_maxrss;
  return run;
}

std::vector<std::uint8_t> frame_header(wire::FrameType type, std::uint64_t payload_bytes) {
  std::vector<std::uint8_t> header(wire::header_bytes);
  for (int i = 0; i < 4; ++i) header[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(wire::magic >> (8 * i));
  header[4] = static_cast<std::uint8_t>(type);
  for (int i = 0; i < 8; ++i)
    header[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(payload_bytes >> (8 * i));
  return header;
}

std::vector<std::uint8_t> operator+(std::vector<std::uint8_t> a, const std::vector<std::uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A session's opening at the default log level (warn): the handshake.
std::vector<std::uint8_t> handshake() { return wire::encode_handshake(wire::Handshake{}); }

constexpr long slack_kib = 16 * 1024;  // allocator and sanitizer noise, far below the declared gigabyte

}  // namespace

TEST_CASE("a worker sent a header declaring 1 GiB and then 100 bytes does not hold a gigabyte", "[frames]") {
  const WorkerRun baseline = run_worker(handshake());
  REQUIRE(baseline.status == 0);
  const WorkerRun cut = run_worker(handshake() + frame_header(wire::FrameType::task, wire::default_max_frame_bytes) +
                                   std::vector<std::uint8_t>(100, 7));
  INFO(cut.err);
  CHECK(cut.status == 1);
  INFO("peak RSS: " << baseline.max_rss_kib << " KiB after a bare handshake, " << cut.max_rss_kib
                    << " KiB with the 1 GiB header");
  CHECK(cut.max_rss_kib < baseline.max_rss_kib + slack_kib);
}

TEST_CASE("a worker whose stdin ends inside a frame says how much came and how it exits", "[frames]") {
  SECTION("in the payload") {
    const WorkerRun run =
        run_worker(handshake() + frame_header(wire::FrameType::chain, 5000) + std::vector<std::uint8_t>(1234, 0));
    CHECK(run.status == 1);
    CHECK_THAT(run.err, Contains("stdin closed after 1234 of the 5000 payload bytes of a chain frame; exiting with "
                                 "code 1"));
  }
  SECTION("in the header") {
    const auto header = frame_header(wire::FrameType::task, 10);
    const WorkerRun run = run_worker(handshake() + std::vector<std::uint8_t>(header.begin(), header.begin() + 7));
    CHECK(run.status == 1);
    CHECK_THAT(run.err, Contains("stdin closed after 7 of the 16 bytes of a frame header; exiting with code 1"));
  }
  SECTION("a malformed frame") {
    auto header = frame_header(wire::FrameType::task, 10);
    header[0] = 'X';
    const WorkerRun run = run_worker(handshake() + header);
    CHECK(run.status == 1);
    CHECK_THAT(run.err,
               Contains("protocol error from the parent") && Contains("bad magic") && Contains("exiting with code 1"));
  }
}

TEST_CASE("a worker refuses a handshake asking for frames larger than any image needs, and says so", "[frames]") {
  wire::Handshake greedy;
  greedy.max_frame_bytes = std::uint64_t{1} << 62;
  const WorkerRun run = run_worker(wire::encode_handshake(greedy));
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Contains("exceeds the limit of " + std::to_string(wire::max_handshake_frame_bytes)));
  // The parent hears it as an error frame.
  REQUIRE(run.out.size() > wire::header_bytes);
  const auto view = wire::split_frame(run.out);
  REQUIRE(view.type == wire::FrameType::error);
  CHECK_THAT(wire::decode_error(view.payload), Contains("maximum frame size"));
}

TEST_CASE("the pool sent a result header declaring 1 GiB and then 100 bytes does not hold a gigabyte", "[frames]") {
  pipeline::ProcessPoolOptions options;
  options.worker_program = OVERSIZED_FRAME_WORKER;
  const auto chain = pipeline::parse_filter_chain("grayscale");
  pipeline::Batch batch{{"one", pipeline::test::noise_image(8, 6, 3, 1)}};
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  // It fails, however the pool tells it (the worker keeps dying); what matters here is what it cost.
  CHECK_THROWS(pipeline::ProcessPoolExecutor(1, options).run(chain, batch));
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  INFO("peak RSS: " << before.ru_maxrss << " KiB before the run, " << after.ru_maxrss << " KiB after");
  CHECK(after.ru_maxrss < before.ru_maxrss + slack_kib);
}
