// The process pool with the real worker program (image-pipeline-worker, found in the build tree by itself).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <set>

#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
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

namespace {

// Large and tiny images alternating, so workers finish out of input order.
Batch uneven_batch(std::size_t count) {
  Batch batch;
  for (std::size_t i = 0; i < count; ++i) {
    const bool large = i % 3 == 0;
    batch.push_back({"image-" + std::to_string(i),
                     pipeline::test::noise_image(large ? 640 : 9 + static_cast<int>(i), large ? 480 : 7, 3, i + 1)});
  }
  return batch;
}

class OnlyInThisProcess final : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "only-in-this-process"; }
  [[nodiscard]] Image apply(const Image& input) const override { return pipeline::to_gray8(input); }
};

// No child of this process exists any more, running or zombie.
bool no_children_left() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace

TEST_CASE("the process pool returns results in input order whatever finishes first", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,blur,sobel");
  const Batch batch = uneven_batch(9);
  const auto expected = pipeline::SequentialExecutor().run(chain, batch);
  const auto result = ProcessPoolExecutor(2).run(chain, batch);

  CHECK(result.executor == "processes");
  CHECK(result.workers == 2);
  REQUIRE(result.tasks.size() == batch.size());
  CHECK(result.failure_count() == 0);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO("image " << i);
    CHECK(result.tasks[i].record.image == batch[i].name);
    CHECK(result.tasks[i].output == expected.tasks[i].output);
  }
}

TEST_CASE("every executor gives pixel-identical outputs on the same batch", "[processes]") {
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
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    REQUIRE(sequential.tasks[i].record.ok());
    CHECK(threads.tasks[i].output == sequential.tasks[i].output);
    CHECK(processes.tasks[i].output == sequential.tasks[i].output);
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
    CHECK(record.bytes_sent > batch[i].image.size_bytes());
    CHECK(record.bytes_received > result.tasks[i].output.size_bytes());
    CHECK(record.transfer_s >= 0.0);
    pids.insert(record.pid);
  }
  // Every worker is up before the first image goes out, so both get work.
  CHECK(pids.size() == 2);
}

TEST_CASE("no worker process outlives the run", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("blur");
  {
    ProcessPoolExecutor processes(3);
    (void)processes.run(chain, uneven_batch(5));
    CHECK(no_children_left());
    (void)processes.run(chain, uneven_batch(2));  // a fresh set of workers per run
    CHECK(no_children_left());
  }
  CHECK(no_children_left());
}

TEST_CASE("an empty batch starts no worker", "[processes]") {
  const auto result = ProcessPoolExecutor(2).run(pipeline::parse_filter_chain("blur"), {});
  CHECK(result.tasks.empty());
  CHECK(no_children_left());
}

TEST_CASE("a worker program that does not exist is a clear error from run()", "[processes]") {
  ProcessPoolOptions options;
  options.worker_program = "/nonexistent/image-pipeline-worker";
  ProcessPoolExecutor processes(2, options);
  CHECK_THROWS_AS(processes.run(pipeline::parse_filter_chain("blur"), uneven_batch(2)), pipeline::WorkerProgramNotFound);
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

TEST_CASE("a chain with a filter the worker program lacks is refused at the handshake", "[processes]") {
  // Registered here only: image-pipeline-worker has never heard of it (a self worker would, see self_worker_test).
  pipeline::register_filter("only-in-this-process", [](const std::optional<std::string>&) {
    return std::make_shared<OnlyInThisProcess>();
  });
  const auto chain = pipeline::parse_filter_chain("grayscale,only-in-this-process");
  CHECK_THROWS_WITH(ProcessPoolExecutor(2).run(chain, uneven_batch(2)),
                    Catch::Contains("refused") && Catch::Contains("only-in-this-process"));
  CHECK(no_children_left());
}

TEST_CASE("an image over the frame limit fails on its own and the others go on", "[processes]") {
  const auto chain = pipeline::parse_filter_chain("grayscale");
  Batch batch = uneven_batch(4);  // image-0 and image-3 are 640x480 RGB, the others tiny
  ProcessPoolOptions options;
  options.max_frame_bytes = 100'000;
  const auto result = ProcessPoolExecutor(2, options).run(chain, batch);
  CHECK_FALSE(result.tasks[0].record.ok());
  CHECK_THAT(result.tasks[0].record.error, Catch::Contains("maximum frame size"));
  CHECK(result.tasks[1].record.ok());
  CHECK(result.tasks[2].record.ok());
  CHECK_FALSE(result.tasks[3].record.ok());
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
