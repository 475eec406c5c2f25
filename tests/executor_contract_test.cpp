// What every executor promises (executor.hpp), checked on each one by name: executor_names() and make_executor(),
// so a new executor is held to the same cases by being registered. What only one executor does is in its own test
// (sequential_executor_test, thread_pool_behaviour_test, process_pool_test and the pool's crash and fault tests).
// The executable is its own process-pool worker (ProcessPoolOptions::self_worker()), so that a filter registered
// here fails its image inside the workers too; the other executors ignore those options.
#define CATCH_CONFIG_RUNNER  // our own main (it must serve as a worker before Catch2 sees the arguments)
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "broken_images.hpp"
#include "file_jobs.hpp"
#include "folders.hpp"
#if PIPELINE_TEST_MPI
#include "pipeline/mpi/ranks.hpp"
#endif
#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/worker.hpp"
#include "test_images.hpp"
#include "worker_faults.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using pipeline::Batch;
using pipeline::BatchResult;
using pipeline::Executor;
namespace fs = std::filesystem;

namespace {

constexpr int workers = 2;

// Every executor of the library; built for mpirun (executor_contract_mpi_test, tests/mpi/), mpi alone.
std::vector<std::string> contract_executor_names() {
#if PIPELINE_TEST_MPI
  return {"mpi"};
#else
  return pipeline::executor_names();
#endif
}

// Each executor by the name programs give it; a pool with `workers` workers.
std::unique_ptr<Executor> executor_named(const std::string& name) {
  return pipeline::make_executor(name, workers, pipeline::ProcessPoolOptions::self_worker());
}

// A batch whose image-2 is marked (worker_faults.hpp): the only one "refuse-marked" refuses.
Batch batch_with_marked_image() {
  Batch batch = pipeline::test::large_and_tiny_batch(4);  // no other image is marked_width wide
  batch[2].image = pipeline::test::noise_image(pipeline::test::marked_width, 11, 3, 99);
  return batch;
}

// Every task is either done, with the output the chain computes, or cancelled, with no output. Returns how many
// were cancelled.
std::size_t check_done_or_cancelled(const BatchResult& result, const Batch& batch, const pipeline::FilterChain& chain) {
  REQUIRE(result.tasks.size() == batch.size());
  std::size_t cancelled = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& task = result.tasks[i];
    INFO(task.record.image << ": " << task.record.error);
    CHECK(task.record.image == batch[i].name);
    if (task.record.cancelled) {
      ++cancelled;
      CHECK_FALSE(task.record.ok());
      CHECK_THAT(task.record.error, Contains("cancelled"));
      CHECK(task.output.empty());
    } else {
      CHECK(task.record.ok());
      CHECK(task.output == chain.apply(batch[i].image));
    }
  }
  CHECK(result.cancelled_count() == cancelled);
  return cancelled;
}

// A run of files whose progress callback throws at every call ends with the callback's exception, but only once
// every job is done: each output written, no temporary file left in the folder; and the executor runs again.
void check_throwing_callback_reaches_caller_after_the_run(const std::string& name) {
  INFO(name);
  const pipeline::test::TempFolder temp;
  const auto jobs = pipeline::test::write_png_jobs(temp.path() / "in", temp.path() / "out", 8, 300);
  const auto chain = pipeline::parse_filter_chain("grayscale");
  pipeline::RunOptions options;
  int calls = 0;
  options.on_task_done = [&calls](const pipeline::TaskRecord&) {
    ++calls;
    throw std::runtime_error("progress display broke");
  };
  const auto executor = executor_named(name);
  CHECK_THROWS_WITH(executor->run_files(chain, jobs, {}, options), Contains("progress display broke"));
  CHECK(calls == 1);  // a callback that threw is not called again
  for (const auto& job : jobs) {
    INFO(job.output);
    CHECK(fs::exists(job.output));  // nothing abandoned half-way
  }
  CHECK(pipeline::test::hidden_files_in(temp.path() / "out").empty());
  const auto again = executor->run_files(chain, jobs, {});
  CHECK(again.failure_count() == 0);
}

}  // namespace

int main(int argc, char** argv) {
  pipeline::test::register_misbehaving_filter("refuse-marked", [](const pipeline::Image& input, const std::string&) {
    if (pipeline::test::marked(input)) throw std::runtime_error("marked image refused");
  });
  if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;
#if PIPELINE_TEST_MPI
  // After maybe_serve_worker: a process-pool worker this program starts inherits mpirun's environment.
  if (auto code = pipeline::maybe_serve_mpi_rank(argc, argv)) return *code;
#endif
  return Catch::Session().run(argc, argv);
}

TEST_CASE("an executor returns one result per image in input order, whatever finishes first", "[contract]") {
  const std::string name = GENERATE(from_range(contract_executor_names()));
  INFO(name);
  const auto chain = pipeline::parse_filter_chain("grayscale,blur,sobel");
  const Batch batch = pipeline::test::large_and_tiny_batch(9);
  const auto executor = executor_named(name);
  CHECK(executor->name() == name);
  const BatchResult result = executor->run(chain, batch);
  CHECK(result.executor == name);
  CHECK(result.workers == executor->workers());
  CHECK(result.failure_count() == 0);
  CHECK(result.start_s <= result.ready_s);
  CHECK(result.ready_s <= result.end_s);
  REQUIRE(result.tasks.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    CHECK(result.tasks[i].record.image == batch[i].name);
    CHECK(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == chain.apply(batch[i].image));
  }
}

TEST_CASE("an executor given an empty batch returns an empty result and starts no worker", "[contract]") {
  const std::string name = GENERATE(from_range(contract_executor_names()));
  INFO(name);
  const BatchResult result = executor_named(name)->run(pipeline::parse_filter_chain("grayscale"), Batch{});
  CHECK(result.executor == name);
  CHECK(result.tasks.empty());
  CHECK(result.failure_count() == 0);
  CHECK(result.start_s <= result.end_s);
  CHECK(pipeline::test::no_children_left());
}

TEST_CASE("an executor fails a failing image alone, by name with its reason, and does the others", "[contract]") {
  const std::string name = GENERATE(from_range(contract_executor_names()));
  INFO(name);
  const auto chain = pipeline::parse_filter_chain("refuse-marked");
  const Batch batch = batch_with_marked_image();
  const BatchResult result = executor_named(name)->run(chain, batch);
  REQUIRE(result.tasks.size() == batch.size());
  CHECK(result.failure_count() == 1);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& task = result.tasks[i];
    INFO(batch[i].name << ": " << task.record.error);
    CHECK(task.record.image == batch[i].name);
    if (i == 2) {
      CHECK(task.record.error == "marked image refused");
      CHECK(task.output.empty());
      CHECK_FALSE(task.record.cancelled);
    } else {
      CHECK(task.record.ok());
      CHECK(task.output == pipeline::to_gray8(batch[i].image));
    }
  }
}

TEST_CASE("an executor whose progress callback throws finishes the run, then the caller hears of it",
          "[contract][files]") {
  const std::string name = GENERATE(from_range(contract_executor_names()));
  check_throwing_callback_reaches_caller_after_the_run(name);
}

TEST_CASE("an executor stopped before its run starts no task, reports each as cancelled, and runs again after",
          "[contract][cancellation]") {
  const std::string name = GENERATE(from_range(contract_executor_names()));
  INFO(name);
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  const Batch batch = pipeline::test::large_and_tiny_batch(6);
  const auto executor = executor_named(name);
  std::stop_source stop;
  stop.request_stop();
  std::size_t reported = 0;
  pipeline::RunOptions options;
  options.stop = stop.get_token();
  options.on_task_done = [&reported](const pipeline::TaskRecord& record) { reported += record.cancelled ? 1 : 0; };
  const BatchResult result = executor->run(chain, batch, options);
  CHECK(check_done_or_cancelled(result, batch, chain) == batch.size());
  CHECK(reported == batch.size());  // the callback hears of cancelled tasks too
  const BatchResult next = executor->run(chain, batch);
  CHECK(check_done_or_cancelled(next, batch, chain) == 0);
}

TEST_CASE("an executor stopped during its run finishes the tasks it started, cancels the rest, and runs again after",
          "[contract][cancellation]") {
  const std::string name = GENERATE(from_range(contract_executor_names()));
  INFO(name);
  const auto chain = pipeline::parse_filter_chain("grayscale,blur,sobel");
  const Batch batch = pipeline::test::large_and_tiny_batch(12);
  const auto executor = executor_named(name);
  executor->start();
  std::stop_source stop;
  std::atomic<std::size_t> finished{0};
  pipeline::RunOptions options;
  options.stop = stop.get_token();
  options.on_task_done = [&](const pipeline::TaskRecord& record) {
    if (!record.cancelled) ++finished;
    stop.request_stop();  // as soon as the first task is done
  };
  const BatchResult result = executor->run(chain, batch, options);
  const std::size_t cancelled = check_done_or_cancelled(result, batch, chain);
  CHECK(finished.load() == batch.size() - cancelled);
  CHECK(finished.load() >= 1);
  CHECK(cancelled >= 1);
  const BatchResult next = executor->run(chain, batch);
  CHECK(check_done_or_cancelled(next, batch, chain) == 0);
}

TEST_CASE("an executor's run_files writes every output, and a broken or missing input fails alone, by name",
          "[contract][files]") {
  const std::string name = GENERATE(from_range(contract_executor_names()));
  INFO(name);
  const pipeline::test::TempFolder temp;
  const fs::path in = temp.path() / "in";
  const fs::path out = temp.path() / "out";
  auto jobs = pipeline::test::write_png_jobs(in, out, 6, 700);
  pipeline::test::write_png_signature_then_text(in / "broken.png");
  jobs.insert(jobs.begin() + 1, {in / "broken.png", out / "broken.out.png"});
  jobs.insert(jobs.begin() + 3, {in / "absent.png", out / "absent.out.png"});
  const auto chain = pipeline::parse_filter_chain("grayscale,sobel");
  pipeline::RunOptions options;
  options.profile_stages = true;
  std::size_t reported = 0;
  options.on_task_done = [&reported](const pipeline::TaskRecord&) { ++reported; };

  const BatchResult result = executor_named(name)->run_files(chain, jobs, {}, options);
  CHECK(result.executor == name);
  REQUIRE(result.tasks.size() == jobs.size());
  CHECK(reported == jobs.size());
  CHECK(result.failure_count() == 2);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto& record = result.tasks[i].record;
    INFO(jobs[i].input << ": " << record.error);
    CHECK(record.image == jobs[i].input.filename().string());
    CHECK(result.tasks[i].output.empty());  // file jobs keep no image in the result
    if (i == 1 || i == 3) {
      CHECK_FALSE(record.ok());
      CHECK_FALSE(fs::exists(jobs[i].output));
    } else {
      REQUIRE(record.ok());
      // Profiled: decode, then one stage per filter, then encode.
      std::vector<std::string> stages;
      for (const auto& stage : record.stages) stages.push_back(stage.name);
      CHECK(stages == std::vector<std::string>{"decode", "grayscale", "sobel", "encode"});
      CHECK(pipeline::decode_image(jobs[i].output) == chain.apply(pipeline::decode_image(jobs[i].input)));
    }
  }
  // The loader's own words, without the file's name: the record names it.
  CHECK_THAT(result.tasks[1].record.error, StartsWith("cannot decode: ") && Contains("invalid chunk type"));
  CHECK_THAT(result.tasks[3].record.error, Contains("the file does not exist"));
  // The outputs and nothing else: no temporary file left by the failed jobs either.
  CHECK(pipeline::test::files_in(out).size() == jobs.size() - 2);
}

TEST_CASE("an executor's run_files fails an output it cannot put in place alone, by name, and leaves no temporary file",
          "[contract][files]") {
  const std::string name = GENERATE(from_range(contract_executor_names()));
  INFO(name);
  const pipeline::test::TempFolder temp;
  const fs::path in = temp.path() / "in";
  const fs::path out = temp.path() / "out";
  const auto jobs = pipeline::test::write_png_jobs(in, out, 5, 300);
  // The third output's name is taken by a folder that is not empty: the rename into place fails, after the write.
  fs::create_directories(jobs[2].output / "inside");
  const auto chain = pipeline::parse_filter_chain("grayscale");

  const BatchResult result = executor_named(name)->run_files(chain, jobs, {}, {});
  REQUIRE(result.tasks.size() == jobs.size());
  CHECK(result.failure_count() == 1);
  const auto& failed = result.tasks[2].record;
  CHECK_THAT(failed.error, StartsWith("cannot write ") && Contains(jobs[2].output.filename().string()));
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (i == 2) continue;
    INFO(jobs[i].input << ": " << result.tasks[i].record.error);
    CHECK(result.tasks[i].record.ok());
    CHECK(fs::exists(jobs[i].output));
  }
  CHECK(pipeline::test::hidden_files_in(out).empty());
  CHECK(pipeline::test::files_in(out).size() == jobs.size());  // four outputs and the folder in the way
}
