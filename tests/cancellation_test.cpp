// Stopping a run (RunOptions::stop) on every executor: what had started finishes and is reported as usual, nothing
// else starts, every task not run is reported as cancelled, the run returns normally, and the executor works again
// afterwards.
#include <atomic>
#include <filesystem>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/comparison.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "test_images.hpp"

using pipeline::Batch;
using pipeline::BatchResult;
using pipeline::Executor;
namespace fs = std::filesystem;

namespace {

struct ExecutorCase {
  std::string label;
  std::unique_ptr<Executor> executor;
  // The most tasks that can have started, besides the one whose completion requested the stop: the tasks a worker
  // holds at once (a process worker gets two queued), for every worker.
  std::size_t at_most_started_after = 0;
};

std::vector<ExecutorCase> every_executor() {
  std::vector<ExecutorCase> cases;
  cases.push_back({"sequential", std::make_unique<pipeline::SequentialExecutor>(), 0});
  cases.push_back({"threads x2", std::make_unique<pipeline::ThreadPoolExecutor>(2), 2});
  for (const auto transport : {pipeline::Transport::shared_memory, pipeline::Transport::pipe}) {
    pipeline::ProcessPoolOptions options;
    options.transport = transport;
    cases.push_back({std::string("processes x2 over ") + std::string(pipeline::to_string(transport)),
                     std::make_unique<pipeline::ProcessPoolExecutor>(2, options), 4});
  }
  return cases;
}

Batch images(std::size_t count) {
  Batch batch;
  for (std::size_t i = 0; i < count; ++i) {
    batch.push_back({"image-" + std::to_string(i), pipeline::test::noise_image(200, 150, 3, i + 1)});
  }
  return batch;
}

// Every task is either done, with the output the sequential executor computes, or cancelled, with no output.
std::size_t check_done_or_cancelled(const BatchResult& result, const Batch& batch, const pipeline::FilterChain& chain) {
  std::size_t cancelled = 0;
  REQUIRE(result.tasks.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& task = result.tasks[i];
    INFO(task.record.image << ": " << task.record.error);
    CHECK(task.record.image == batch[i].name);
    if (task.record.cancelled) {
      ++cancelled;
      CHECK_FALSE(task.record.ok());
      CHECK(task.record.error.find("cancelled") != std::string::npos);
      CHECK(task.output.empty());
      CHECK(task.record.worker == -1);  // it ran nowhere
      CHECK(task.record.pid == 0);
    } else {
      CHECK(task.record.ok());
      CHECK(task.output == chain.apply(batch[i].image));
    }
  }
  CHECK(result.cancelled_count() == cancelled);
  return cancelled;
}

}  // namespace

// A stop requested before the run: tests/executor_contract_test.cpp, for every executor by name.

TEST_CASE("a stop requested during a run lets the tasks in progress finish and starts no other", "[cancellation]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,blur,sobel");
  const Batch batch = images(24);
  for (auto& [label, executor, at_most_started_after] : every_executor()) {
    INFO(label);
    executor->start();
    std::stop_source stop;
    pipeline::RunOptions options;
    options.stop = stop.get_token();
    std::atomic<std::size_t> finished{0};
    options.on_task_done = [&](const pipeline::TaskRecord& record) {
      if (!record.cancelled) ++finished;
      stop.request_stop();  // as soon as the first task is done
    };
    const BatchResult result = executor->run(chain, batch, options);
    const std::size_t cancelled = check_done_or_cancelled(result, batch, chain);
    CHECK(finished.load() == batch.size() - cancelled);
    CHECK(finished.load() >= 1);
    CHECK(finished.load() <= 1 + at_most_started_after);
    const BatchResult next = executor->run(chain, batch);
    CHECK(check_done_or_cancelled(next, batch, chain) == 0);
  }
}

TEST_CASE("a stopped file run writes whole outputs for the jobs that ran and nothing at all for the others",
          "[cancellation][files]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,sharpen");
  const pipeline::test::TempFolder temp;
  const fs::path in = temp.path() / "in";
  fs::create_directories(in);
  std::vector<fs::path> inputs;
  for (int i = 0; i < 16; ++i) {
    inputs.push_back(in / ("photo-" + std::to_string(i) + ".png"));
    pipeline::write_png_atomic(pipeline::test::noise_image(160, 120, 3, static_cast<std::uint64_t>(i) + 7),
                               inputs.back());
  }
  for (auto& [label, executor, at_most_started_after] : every_executor()) {
    INFO(label);
    const fs::path out = temp.path() / ("out-" + std::to_string(std::hash<std::string>{}(label)));
    fs::create_directories(out);
    std::vector<pipeline::FileJob> jobs;
    for (const auto& input : inputs) jobs.push_back({input, out / input.filename()});
    std::stop_source stop;
    pipeline::RunOptions options;
    options.stop = stop.get_token();
    options.on_task_done = [&stop](const pipeline::TaskRecord&) { stop.request_stop(); };
    const BatchResult result = executor->run_files(chain, jobs, {.output = {.compression = 1}}, options);
    std::size_t written = 0;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const auto& record = result.tasks[i].record;
      INFO(record.image << ": " << record.error);
      if (record.cancelled) {
        CHECK_FALSE(fs::exists(jobs[i].output));
      } else {
        REQUIRE(record.ok());
        ++written;
        CHECK(pipeline::decode_image(jobs[i].output) == chain.apply(pipeline::decode_image(jobs[i].input)));
      }
    }
    CHECK(written >= 1);
    CHECK(written <= 1 + at_most_started_after);
    // The outputs written and nothing else: no temporary file is left behind.
    CHECK(static_cast<std::size_t>(std::distance(fs::directory_iterator(out), fs::directory_iterator())) == written);
  }
}

TEST_CASE("a comparison whose stop is requested ends with ComparisonStopped instead of figures from cut runs",
          "[cancellation][comparison]") {
  const auto chain = pipeline::parse_filter_chain("grayscale");
  const Batch batch = images(4);
  std::stop_source stop;
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential", "threads"};
  plan.worker_counts = {2};
  plan.run_options.stop = stop.get_token();
  std::vector<std::string> started;
  const auto make = [](const std::string& name, int workers) { return pipeline::make_executor(name, workers, {}); };
  // The sequential baseline completes; the threads' first run is cut after its first task.
  std::atomic<bool> threads_running{false};
  plan.run_options.on_task_done = [&](const pipeline::TaskRecord&) {
    if (threads_running) stop.request_stop();
  };
  const auto on_start = [&](const std::string& name, int) {
    started.push_back(name);
    threads_running.store(name == "threads");
  };
  CHECK_THROWS_AS(pipeline::run_comparison(chain, batch, plan, make, on_start), pipeline::ComparisonStopped);
  CHECK(started == std::vector<std::string>{"sequential", "threads"});
}
