// The process pool with the real worker program (image-pipeline-worker, found in the build tree by itself).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>

#include <catch2/catch.hpp>

#include "file_jobs.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "pipeline/worker_program.hpp"
#include "test_images.hpp"

using pipeline::Batch;
using pipeline::Image;
using pipeline::ProcessPoolExecutor;
using pipeline::ProcessPoolOptions;
using pipeline::SampleFormat;
using pipeline::Transport;
namespace fs = std::filesystem;

namespace {

// Large and tiny images alternating, so workers finish out of input order.
Batch uneven_batch(std::size_t count) { return pipeline::test::large_and_tiny_batch(count); }

class OnlyInThisProcess final : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "only-in-this-process"; }
  [[nodiscard]] Image apply(const Image& input) const override { return pipeline::to_gray8(input); }
};

// No child of this process exists any more, running or zombie. (Reaps a zombie if there is one: call it only
// where there should be none.)
bool no_children_left() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

ProcessPoolOptions with_transport(Transport transport) {
  ProcessPoolOptions options;
  options.transport = transport;
  return options;
}

std::set<std::int64_t> pids_of(const pipeline::BatchResult& result) {
  std::set<std::int64_t> pids;
  for (const auto& task : result.tasks) pids.insert(task.record.pid);
  return pids;
}

std::set<std::string> entries_of(const fs::path& folder) {
  std::set<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) names.insert(entry.path().filename().string());
  return names;
}

}  // namespace

TEST_CASE("every executor, and the process pool with either transport, gives pixel-identical outputs", "[processes]") {
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  Batch batch = uneven_batch(4);
  // Every layout an Image can hold goes over the wire: grey, grey+alpha, RGBA, 16-bit.
  batch.push_back({"grey", pipeline::test::noise_image(33, 17, 1, 50)});
  batch.push_back({"grey-alpha", pipeline::test::noise_image(20, 21, 2, 51)});
  batch.push_back({"rgba", pipeline::test::noise_image(15, 16, 4, 52)});
  Image deep(12, 10, 3, SampleFormat::u16);
  for (std::size_t i = 0; i < deep.size_bytes(); ++i) deep.bytes()[i] = static_cast<std::uint8_t>(i * 31);
  batch.push_back({"rgb16", deep});

  const auto sequential = pipeline::make_executor("sequential", 1)->run(chain, batch);
  const auto threads = pipeline::make_executor("threads", 2)->run(chain, batch);
  const auto processes = pipeline::make_executor("processes", 3)->run(chain, batch);
  const auto piped = ProcessPoolExecutor(3, with_transport(Transport::pipe)).run(chain, batch);
  CHECK(processes.transport == "shm");  // the default
  CHECK(piped.transport == "pipe");
  CHECK(threads.transport.empty());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    REQUIRE(sequential.tasks[i].record.ok());
    CHECK(threads.tasks[i].output == sequential.tasks[i].output);
    CHECK(processes.tasks[i].output == sequential.tasks[i].output);
    CHECK(piped.tasks[i].output == sequential.tasks[i].output);
  }
}

TEST_CASE("each worker is a process of its own, and the records say where and how the data moved", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,sharpen");
  const Batch batch = uneven_batch(6);
  const auto result = ProcessPoolExecutor(2).run(chain, batch);

  std::set<std::int64_t> pids;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& record = result.tasks[i].record;
    INFO(record.image);
    REQUIRE(record.ok());
    CHECK(record.pid != ::getpid());
    CHECK(record.tid == record.pid);  // a worker filters in its main thread
    CHECK((record.worker == 0 || record.worker == 1));
    CHECK(record.start_s <= record.end_s);
    CHECK(record.start_s >= result.start_s);
    CHECK(record.end_s <= result.end_s);
    // Frames and samples, whichever way the samples went (shared memory by default).
    CHECK(record.bytes_sent > batch[i].image.size_bytes());
    CHECK(record.bytes_received > result.tasks[i].output.size_bytes());
    CHECK(record.pixels == batch[i].image.pixel_count());
    CHECK(record.transfer_s >= 0.0);
    pids.insert(record.pid);
  }
  // Every worker is up before the first image goes out, so both get work.
  CHECK(pids.size() == 2);
}

TEST_CASE("the pool keeps its workers between runs, and neither they nor a descriptor outlive the executor",
          "[processes]") {
  const auto chain = pipeline::parse_filter_chain("blur");
  for (const Transport transport : {Transport::shared_memory, Transport::pipe}) {
    INFO(pipeline::to_string(transport));
    const auto descriptors = entries_of("/proc/self/fd");
    {
      ProcessPoolExecutor processes(2, with_transport(transport));
      const auto first = processes.run(chain, uneven_batch(5));
      const auto second = processes.run(chain, uneven_batch(4));
      CHECK(first.failure_count() == 0);
      CHECK(second.failure_count() == 0);
      CHECK(pids_of(first).size() == 2);  // a run that starts its workers waits for all of them
      // The same processes served the second run (one of them may have done it all before the other had the chain).
      for (const auto pid : pids_of(second)) CHECK(pids_of(first).count(pid) == 1);
      CHECK(second.startup_seconds() == 0.0);  // and the second paid no start-up
      const auto pids = processes.worker_pids();
      CHECK(std::set<std::int64_t>(pids.begin(), pids.end()) == pids_of(first));
      for (const auto pid : pids) CHECK(::kill(static_cast<pid_t>(pid), 0) == 0);  // alive between runs
    }
    CHECK(no_children_left());
    CHECK(entries_of("/proc/self/fd") == descriptors);  // pipes, segments, the event loop's own: all closed
  }
}

TEST_CASE("stop() ends the workers, and the next run starts new ones", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("sharpen");
  ProcessPoolExecutor processes(2);
  const auto first = processes.run(chain, uneven_batch(3));
  processes.stop();
  CHECK(no_children_left());
  CHECK(processes.worker_pids() == std::vector<std::int64_t>{0, 0});
  const auto second = processes.run(chain, uneven_batch(3));
  CHECK(second.failure_count() == 0);
  CHECK(second.startup_seconds() > 0.0);
  for (const auto pid : pids_of(second)) CHECK(pids_of(first).count(pid) == 0);
}

TEST_CASE("start() starts every worker, and a run after it pays no start-up", "[processes]") {
  ProcessPoolExecutor processes(3);
  CHECK(processes.worker_pids() == std::vector<std::int64_t>{0, 0, 0});
  processes.start();
  const auto started = processes.worker_pids();
  for (const auto pid : started) CHECK(pid > 0);
  processes.start();  // idempotent
  CHECK(processes.worker_pids() == started);

  const auto result = processes.run(pipeline::parse_filter_chain("grayscale,blur"), uneven_batch(6));
  CHECK(result.failure_count() == 0);
  CHECK(result.ready_s == result.start_s);
  CHECK(result.startup_seconds() == 0.0);
  for (const auto pid : pids_of(result)) CHECK(std::count(started.begin(), started.end(), pid) == 1);
  CHECK(processes.worker_pids() == started);
}

TEST_CASE("a run with fewer images than workers uses some workers, and a larger run starts the rest", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("blur");
  ProcessPoolExecutor processes(3);
  const auto small = processes.run(chain, uneven_batch(1));
  CHECK(pids_of(small).size() == 1);
  CHECK(small.startup_seconds() > 0.0);
  const auto large = processes.run(chain, uneven_batch(9));
  CHECK(large.failure_count() == 0);
  CHECK(pids_of(large).size() == 3);
  CHECK(pids_of(large).count(*pids_of(small).begin()) == 1);  // the first worker went on serving
}

TEST_CASE("a chain change between runs reaches the same workers", "[processes]") {
  const Batch batch = uneven_batch(5);
  ProcessPoolExecutor processes(2);
  std::set<std::int64_t> pids;
  for (const std::string spec : {"grayscale,blur", "sobel,brightness=1.5", "grayscale,blur", "sharpen"}) {
    INFO(spec);
    const auto chain = pipeline::parse_filter_chain(spec);
    const auto expected = pipeline::SequentialExecutor().run(chain, batch);
    const auto result = processes.run(chain, batch);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      REQUIRE(result.tasks[i].record.ok());
      CHECK(result.tasks[i].output == expected.tasks[i].output);
    }
    const auto used = pids_of(result);
    pids.insert(used.begin(), used.end());
  }
  CHECK(pids.size() == 2);
}

TEST_CASE("a worker that died between runs is replaced at the next run, and the tasks sent to it are not attempts",
          "[processes]") {
  // A run's first tasks follow the chain frame without waiting for the worker's answer. A worker already dead
  // never started them, so even with no retries allowed none of them may fail.
  const auto chain = pipeline::parse_filter_chain("grayscale,sobel");
  const Batch batch = uneven_batch(6);
  const auto expected = pipeline::SequentialExecutor().run(chain, batch);
  for (const std::size_t dead : {std::size_t{1}, std::size_t{2}}) {
    for (const Transport transport : {Transport::shared_memory, Transport::pipe}) {
      INFO(pipeline::to_string(transport) << ", " << dead << " of 2 workers dead");
      auto options = with_transport(transport);
      options.max_retries = 0;
      ProcessPoolExecutor processes(2, options);
      processes.start();
      const auto before = processes.worker_pids();
      // The pool reaps them when it finds out.
      for (std::size_t w = 0; w < dead; ++w) REQUIRE(::kill(static_cast<pid_t>(before[w]), SIGKILL) == 0);

      const auto result = processes.run(chain, batch);
      CHECK(result.failure_count() == 0);
      for (std::size_t i = 0; i < batch.size(); ++i) CHECK(result.tasks[i].output == expected.tasks[i].output);
      const auto after = processes.worker_pids();
      for (std::size_t w = 0; w < before.size(); ++w) {
        if (w < dead) {
          CHECK(pids_of(result).count(before[w]) == 0);
          CHECK(after[w] != before[w]);
          CHECK(after[w] > 0);
        } else {
          CHECK(after[w] == before[w]);
        }
      }
    }
  }
  CHECK(no_children_left());
}

TEST_CASE("profiled stages and pixel counts come back from the workers, and each task is reported once",
          "[processes]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,blur,brightness=1.5");
  const Batch batch = uneven_batch(7);
  for (const Transport transport : {Transport::shared_memory, Transport::pipe}) {
    INFO(pipeline::to_string(transport));
    ProcessPoolExecutor processes(2, with_transport(transport));
    std::vector<std::string> reported;
    pipeline::RunOptions options;
    options.profile_stages = true;
    options.on_task_done = [&reported](const pipeline::TaskRecord& record) { reported.push_back(record.image); };
    const auto profiled = processes.run(chain, batch, options);
    CHECK(reported.size() == batch.size());
    CHECK(std::set<std::string>(reported.begin(), reported.end()).size() == batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto& record = profiled.tasks[i].record;
      INFO(record.image);
      REQUIRE(record.ok());
      CHECK(record.pixels == batch[i].image.pixel_count());
      REQUIRE(record.stages.size() == 3);
      CHECK(record.stages[0].name == "grayscale");
      CHECK(record.stages[2].name == "brightness=1.5");
      CHECK(record.stages.front().start_s >= record.start_s);
      CHECK(record.stages.back().end_s <= record.end_s);
    }
    // The next run without profiling: the same workers, fused again, no stages.
    const auto plain = processes.run(chain, batch);
    for (const auto& task : plain.tasks) CHECK(task.record.stages.empty());
    for (const auto pid : pids_of(plain)) CHECK(pids_of(profiled).count(pid) == 1);
  }
}

TEST_CASE("with shared memory each worker holds its segment, and nothing is left in /dev/shm", "[processes]") {
  const auto before = entries_of("/dev/shm");
  {
    ProcessPoolExecutor processes(2);
    (void)processes.run(pipeline::parse_filter_chain("blur"), uneven_batch(4));
    for (const auto pid : processes.worker_pids()) {
      // The descriptor the worker inherited is an anonymous memfd: no name anywhere in the file system.
      const auto target = fs::read_symlink(fs::path("/proc") / std::to_string(pid) / "fd" / "3");
      CHECK_THAT(target.string(), Catch::StartsWith("/memfd:image-pipeline-segment"));
    }
    ProcessPoolExecutor piped(1, with_transport(Transport::pipe));
    (void)piped.run(pipeline::parse_filter_chain("blur"), uneven_batch(2));
    // The pipe transport passes no segment.
    for (const auto& fd : fs::directory_iterator(fs::path("/proc") / std::to_string(piped.worker_pids()[0]) / "fd")) {
      std::error_code error;
      CHECK_THAT(fs::read_symlink(fd.path(), error).string(), !Catch::Contains("memfd"));
    }
  }
  CHECK(entries_of("/dev/shm") == before);
}

TEST_CASE("a segment grows when a larger image comes, for the same worker", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  Batch batch;
  for (const int side : {16, 64, 700, 32, 1100}) {
    batch.push_back(
        {"side-" + std::to_string(side), pipeline::test::noise_image(side, side, 3, static_cast<std::uint64_t>(side))});
  }
  const auto expected = pipeline::SequentialExecutor().run(chain, batch);
  const auto result = ProcessPoolExecutor(1).run(chain, batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == expected.tasks[i].output);
  }
}

TEST_CASE("transports have names for the command line", "[processes]") {
  CHECK(pipeline::to_string(Transport::pipe) == "pipe");
  CHECK(pipeline::to_string(Transport::shared_memory) == "shm");
  CHECK(pipeline::parse_transport("pipe") == Transport::pipe);
  CHECK(pipeline::parse_transport("shm") == Transport::shared_memory);
  CHECK_THROWS_AS(pipeline::parse_transport("tcp"), std::invalid_argument);
  CHECK_THROWS_WITH(pipeline::parse_transport("tcp"), Catch::Contains("'tcp'") && Catch::Contains("pipe, shm"));
  CHECK(ProcessPoolOptions{}.transport == Transport::shared_memory);
}

TEST_CASE("run_files on the process pool writes the files the sequential executor writes", "[processes][files]") {
  pipeline::test::TempFolder temp;
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const auto sequential_jobs = pipeline::test::write_png_jobs(temp.path() / "in", temp.path() / "sequential", 9, 700);
  const auto sequential =
      pipeline::SequentialExecutor().run_files(chain, sequential_jobs, {.output = {.compression = 1}});
  REQUIRE(sequential.failure_count() == 0);

  ProcessPoolExecutor processes(2);
  for (int round = 0; round < 2; ++round) {  // the same workers for a second run of files
    INFO("round " << round);
    const fs::path out = temp.path() / ("processes-" + std::to_string(round));
    fs::create_directories(out);
    std::vector<pipeline::FileJob> jobs;
    for (const auto& job : sequential_jobs) jobs.push_back({job.input, out / job.output.filename()});
    const auto result = processes.run_files(chain, jobs, {.output = {.compression = 1}});
    CHECK(result.executor == "processes");
    CHECK(result.failure_count() == 0);
    REQUIRE(result.tasks.size() == jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const auto& record = result.tasks[i].record;
      INFO(record.image);
      CHECK(record.image == sequential.tasks[i].record.image);
      CHECK(record.pixels == sequential.tasks[i].record.pixels);
      CHECK(record.pid != ::getpid());  // decoded, filtered and written in a worker
      std::vector<std::string> stages;
      for (const auto& stage : record.stages) stages.push_back(stage.name);
      CHECK(stages == std::vector<std::string>{"decode", "filters", "encode"});
      CHECK(result.tasks[i].output.empty());
      CHECK(record.bytes_sent > 0);
      CHECK(record.bytes_sent < 1000);  // paths, not pixels
      CHECK(pipeline::test::file_bytes(jobs[i].output) == pipeline::test::file_bytes(sequential_jobs[i].output));
    }
    CHECK(entries_of(out).size() == jobs.size());  // no temporary file left
  }
}

TEST_CASE("a worker program that does not exist is a clear error from run()", "[processes]") {
  ProcessPoolOptions options;
  options.worker_program = "/nonexistent/image-pipeline-worker";
  ProcessPoolExecutor processes(2, options);
  CHECK_THROWS_AS(processes.run(pipeline::parse_filter_chain("blur"), uneven_batch(2)),
                  pipeline::WorkerProgramNotFound);
  CHECK_THROWS_WITH(processes.run(pipeline::parse_filter_chain("blur"), uneven_batch(2)),
                    Catch::Contains("/nonexistent/image-pipeline-worker"));
}

TEST_CASE("a program that is not a worker is a clear error from run(), and is reaped", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("blur");
  ProcessPoolOptions options;
  options.worker_program = "/bin/true";  // exits at once
  CHECK_THROWS_WITH(ProcessPoolExecutor(2, options).run(chain, uneven_batch(2)),
                    Catch::Contains("before its handshake") && Catch::Contains("exited with code 0"));
  CHECK(no_children_left());

  options.worker_program = "/bin/cat";  // echoes our handshake back: a frame no worker sends
  CHECK_THROWS_WITH(ProcessPoolExecutor(2, options).run(chain, uneven_batch(2)), Catch::Contains("protocol"));
  CHECK(no_children_left());
}

TEST_CASE("a chain with a filter the worker program lacks is refused, and the pool runs other chains after",
          "[processes]") {
  // Registered here only: image-pipeline-worker has never heard of it (a self worker would, see self_worker_test).
  pipeline::register_filter("only-in-this-process",
                            [](const std::optional<std::string>&) { return std::make_shared<OnlyInThisProcess>(); });
  const auto chain = pipeline::parse_filter_chain("grayscale,only-in-this-process");
  // And says how to fix it: this program as its own worker.
  CHECK_THROWS_WITH(ProcessPoolExecutor(2).run(chain, uneven_batch(2)),
                    Catch::Contains("refused the chain") && Catch::Contains("only-in-this-process") &&
                        Catch::Contains("ProcessPoolOptions::self_worker()") && Catch::Contains("maybe_serve_worker"));
  CHECK(no_children_left());

  // Refused by workers that were already running: the run throws, the workers are stopped, the next run works.
  ProcessPoolExecutor processes(2);
  processes.start();
  CHECK_THROWS_WITH(processes.run(chain, uneven_batch(3)), Catch::Contains("refused the chain"));
  CHECK(no_children_left());
  const auto result = processes.run(pipeline::parse_filter_chain("blur"), uneven_batch(3));
  CHECK(result.failure_count() == 0);
}

TEST_CASE("through the pipe, an image over the frame limit fails on its own and the others go on", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("grayscale");
  Batch batch = uneven_batch(4);  // image-0 and image-3 are 640x480 RGB, the others tiny
  ProcessPoolOptions options = with_transport(Transport::pipe);
  options.max_frame_bytes = 100'000;
  const auto result = ProcessPoolExecutor(2, options).run(chain, batch);
  CHECK_FALSE(result.tasks[0].record.ok());
  CHECK_THAT(result.tasks[0].record.error, Catch::Contains("maximum frame size"));
  CHECK(result.tasks[1].record.ok());
  CHECK(result.tasks[2].record.ok());
  CHECK_FALSE(result.tasks[3].record.ok());

  // Through shared memory the samples are in no frame: the same limit holds back nothing.
  options.transport = Transport::shared_memory;
  CHECK(ProcessPoolExecutor(2, options).run(chain, batch).failure_count() == 0);
}

TEST_CASE("the process pool is an executor like the others", "[processes]") {
  const auto names = pipeline::executor_names();
  CHECK(names == std::vector<std::string>{"sequential", "processes", "threads"});
  const auto executor = pipeline::make_executor("processes", 3);
  CHECK(executor->name() == "processes");
  CHECK(executor->workers() == 3);
  CHECK_THROWS_AS(ProcessPoolExecutor(0), std::invalid_argument);
  ProcessPoolOptions options;
  options.max_retries = -1;
  CHECK_THROWS_AS(ProcessPoolExecutor(1, options), std::invalid_argument);
}

TEST_CASE("each executor records when its workers were ready, within the run", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  const Batch batch = uneven_batch(4);
  for (const std::string name : {"sequential", "threads", "processes"}) {
    INFO(name);
    const auto result = pipeline::make_executor(name, 2)->run(chain, batch);
    CHECK(result.ready_s >= result.start_s);
    CHECK(result.ready_s <= result.end_s);
    CHECK(result.startup_seconds() == Approx(result.ready_s - result.start_s));
    // No task starts before its pool is ready.
    for (const auto& task : result.tasks) CHECK(task.record.start_s >= result.ready_s);
  }
}

TEST_CASE("run_files on the process pool fails a job with an empty path by its reason, and its workers stay",
          "[processes][files]") {
  pipeline::test::TempFolder temp;
  auto jobs = pipeline::test::write_png_jobs(temp.path() / "in", temp.path() / "out", 3, 900);
  jobs.insert(jobs.begin() + 1, {fs::path(), temp.path() / "out" / "nameless.png"});
  ProcessPoolExecutor processes(1);
  const auto result = processes.run_files(pipeline::parse_filter_chain("grayscale"), jobs, {});
  REQUIRE(result.tasks.size() == jobs.size());
  CHECK(result.tasks[1].record.error == "an empty path");  // refused by the parent: no worker took it for a bad frame
  CHECK(result.failure_count() == 1);
  std::set<std::int64_t> pids;
  for (const auto& task : result.tasks) {
    if (task.record.ok()) pids.insert(task.record.pid);
  }
  CHECK(pids.size() == 1);  // the one worker did every other job
}
