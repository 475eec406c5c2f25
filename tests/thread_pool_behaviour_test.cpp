// The thread pool executor: order, records, failures confined to their image, identity with the sequential run,
// real use of several threads (made deterministic with a rendezvous, not left to timing), one pool kept across
// runs, and file jobs (decode, chain, write on the pool's threads).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "file_jobs.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/filters.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::Image;
namespace fs = std::filesystem;

namespace {

// Large images first, so with several workers the small ones finish before them.
pipeline::Batch uneven_batch() {
  return pipeline::test::batch_of_sizes({{120, 90}, {1, 1}, {7, 3}, {64, 33}, {3, 1}, {1, 9}, {30, 30}, {2, 2}}, 700);
}

// Throws on images exactly 7 pixels wide; converts the others to grey.
class RefuseWidth7 final : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "refuse-width-7"; }
  [[nodiscard]] Image apply(const Image& input) const override {
    if (input.width() == 7) throw std::runtime_error("width 7 refused");
    if (input.width() == 3) throw 7;  // not even a std::exception
    return pipeline::to_gray8(input);
  }
};

// Holds every task until `needed` tasks have been inside apply() at the same time (or the timeout passes, which
// fails the task instead of hanging the test). Two tasks in flight at once are necessarily on two threads.
class Rendezvous final : public pipeline::Filter {
 public:
  explicit Rendezvous(int needed) : state_(std::make_shared<State>()), needed_(needed) {}
  [[nodiscard]] std::string name() const override { return "rendezvous"; }
  [[nodiscard]] Image apply(const Image& input) const override {
    std::unique_lock lock(state_->mutex);
    ++state_->arrived;
    state_->changed.notify_all();
    if (!state_->changed.wait_for(lock, std::chrono::seconds(20), [&] { return state_->arrived >= needed_; })) {
      throw std::runtime_error("rendezvous timed out: tasks never ran at the same time");
    }
    return pipeline::to_gray8(input);
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    int arrived = 0;
  };
  std::shared_ptr<State> state_;
  int needed_;
};

// Counts how many applies run at the same time, and the most ever seen.
class ConcurrencyProbe final : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "concurrency-probe"; }
  [[nodiscard]] Image apply(const Image& input) const override {
    const int now = ++state_->inside;
    int seen = state_->most.load();
    while (now > seen && !state_->most.compare_exchange_weak(seen, now)) {
    }
    Image out = pipeline::to_gray8(input);
    --state_->inside;
    return out;
  }
  [[nodiscard]] int most() const { return state_->most.load(); }

 private:
  struct State {
    std::atomic<int> inside{0};
    std::atomic<int> most{0};
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

void check_records(const pipeline::BatchResult& result, const pipeline::Batch& batch, int workers) {
  REQUIRE(result.tasks.size() == batch.size());
  std::map<std::int64_t, int> worker_of_tid;
  std::map<int, std::int64_t> tid_of_worker;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& record = result.tasks[i].record;
    INFO(batch[i].name);
    CHECK(record.image == batch[i].name);
    CHECK(record.pid == ::getpid());
    CHECK(record.tid > 0);
    CHECK(record.tid != ::gettid());  // pool threads, not the caller
    CHECK(record.worker >= 0);
    CHECK(record.worker < workers);
    CHECK(record.cpu_start >= 0);
    CHECK(record.cpu_end >= 0);
    CHECK(record.start_s <= record.end_s);
    CHECK(result.start_s <= record.start_s);
    CHECK(record.end_s <= result.end_s);
    // One worker index per thread, one thread per worker index.
    const auto [w, new_tid] = worker_of_tid.emplace(record.tid, record.worker);
    CHECK(w->second == record.worker);
    const auto [t, new_worker] = tid_of_worker.emplace(record.worker, record.tid);
    CHECK(t->second == record.tid);
  }
  CHECK(static_cast<int>(worker_of_tid.size()) <= workers);
}

}  // namespace

TEST_CASE("the thread pool needs at least one worker", "[threads]") {
  CHECK_THROWS_AS(pipeline::ThreadPoolExecutor(0), std::invalid_argument);
  CHECK_THROWS_AS(pipeline::ThreadPoolExecutor(-3), std::invalid_argument);
  const pipeline::ThreadPoolExecutor executor(3);
  CHECK(executor.name() == "threads");
  CHECK(executor.workers() == 3);
}

TEST_CASE("the thread pool returns results in input order with uneven image sizes", "[threads]") {
  const auto batch = uneven_batch();
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  for (const int workers : {1, 2, 3}) {
    INFO(workers << " workers");
    pipeline::ThreadPoolExecutor executor(workers);
    const auto result = executor.run(chain, batch);
    CHECK(result.executor == "threads");
    CHECK(result.workers == workers);
    CHECK(result.failure_count() == 0);
    REQUIRE(result.tasks.size() == batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      INFO(batch[i].name);
      CHECK(result.tasks[i].record.image == batch[i].name);
      CHECK(result.tasks[i].output.width() == batch[i].image.width());
      CHECK(result.tasks[i].output.height() == batch[i].image.height());
      CHECK(result.tasks[i].output == chain.apply(batch[i].image));
    }
  }
}

TEST_CASE("the thread pool records pid, thread, cpu, times and worker index of each task", "[threads]") {
  const auto batch = uneven_batch();
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  for (const int workers : {1, 2, 4}) {
    INFO(workers << " workers");
    pipeline::ThreadPoolExecutor executor(workers);
    // Twice on the same executor: the second batch's worker indices start afresh.
    for (int round = 0; round < 2; ++round) check_records(executor.run(chain, batch), batch, workers);
  }
  const auto single = pipeline::ThreadPoolExecutor(1).run(chain, batch);
  for (const auto& task : single.tasks) CHECK(task.record.worker == 0);
  CHECK(pipeline::footprint(single).threads == 1);
}

TEST_CASE("a filter's exception on a pool thread fails only its image", "[threads]") {
  const auto batch = uneven_batch();  // image-2 is 7 wide (std::exception), image-4 is 3 wide (throws an int)
  const pipeline::FilterChain chain({std::make_shared<RefuseWidth7>(), std::make_shared<pipeline::SharpenFilter>()});
  for (const int workers : {1, 2, 5}) {
    INFO(workers << " workers");
    const auto result = pipeline::ThreadPoolExecutor(workers).run(chain, batch);
    REQUIRE(result.tasks.size() == batch.size());
    CHECK(result.failure_count() == 2);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      INFO(batch[i].name);
      const auto& task = result.tasks[i];
      CHECK(task.record.image == batch[i].name);
      if (i == 2 || i == 4) {
        CHECK_FALSE(task.record.ok());
        CHECK(task.output.empty());
      } else {
        CHECK(task.record.ok());
        CHECK(task.output == pipeline::SharpenFilter().apply(batch[i].image));
      }
    }
    CHECK_THAT(result.tasks[2].record.error, Contains("width 7 refused"));
    CHECK_FALSE(result.tasks[4].record.error.empty());
  }
}

TEST_CASE("a batch where every image fails still completes", "[threads]") {
  pipeline::Batch batch;
  for (int i = 0; i < 6; ++i) batch.push_back({"bad-" + std::to_string(i), pipeline::test::noise_image(7, 2, 1, i)});
  const pipeline::FilterChain chain({std::make_shared<RefuseWidth7>()});
  const auto result = pipeline::ThreadPoolExecutor(3).run(chain, batch);
  REQUIRE(result.tasks.size() == 6);
  CHECK(result.failure_count() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(result.tasks[i].record.image == batch[i].name);
}

TEST_CASE("the thread pool's outputs are pixel-identical to the sequential run's", "[threads]") {
  pipeline::SyntheticOptions options;
  options.count = 6;
  options.size = std::pair{48, 36};
  auto batch = pipeline::synthetic_dataset(options);
  batch.push_back({"grey16", Image(5, 3, 1, pipeline::SampleFormat::u16)});
  batch.push_back({"rgba", pipeline::test::noise_image(9, 4, 4, 1)});
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const auto sequential = pipeline::SequentialExecutor().run(chain, batch);
  REQUIRE(sequential.failure_count() == 0);
  for (const int workers : {2, 3, 16}) {
    INFO(workers << " workers");
    const auto threads = pipeline::ThreadPoolExecutor(workers).run(chain, batch);
    REQUIRE(threads.tasks.size() == sequential.tasks.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      INFO(batch[i].name);
      CHECK(threads.tasks[i].record.ok());
      CHECK(threads.tasks[i].output == sequential.tasks[i].output);
      CHECK(pipeline::digest(threads.tasks[i].output) == pipeline::digest(sequential.tasks[i].output));
    }
  }
}

TEST_CASE("the thread pool runs tasks on more than one thread with two or more workers", "[threads]") {
  pipeline::Batch batch;
  for (int i = 0; i < 6; ++i) batch.push_back({"tiny-" + std::to_string(i), pipeline::test::noise_image(2, 2, 1, i)});
  for (const int workers : {2, 3}) {
    INFO(workers << " workers");
    // Every task waits until `workers` tasks are in flight together: impossible on fewer threads than that.
    const pipeline::FilterChain chain({std::make_shared<Rendezvous>(workers)});
    const auto result = pipeline::ThreadPoolExecutor(workers).run(chain, batch);
    REQUIRE(result.tasks.size() == batch.size());
    for (const auto& task : result.tasks) {
      INFO(task.record.image);
      CHECK(task.record.error == "");
    }
    std::set<std::int64_t> tids;
    std::set<int> indices;
    for (const auto& task : result.tasks) {
      tids.insert(task.record.tid);
      indices.insert(task.record.worker);
    }
    CHECK(static_cast<int>(tids.size()) == workers);
    CHECK(static_cast<int>(indices.size()) == workers);
    CHECK(pipeline::footprint(result).threads == static_cast<std::size_t>(workers));
    CHECK(pipeline::footprint(result).processes == 1);
    check_records(result, batch, workers);
  }
}

TEST_CASE("the thread pool keeps its threads and their worker indices from one run to the next", "[threads]") {
  pipeline::Batch batch;
  for (int i = 0; i < 8; ++i) batch.push_back({"tiny-" + std::to_string(i), pipeline::test::noise_image(3, 2, 1, i)});
  for (const int workers : {2, 3}) {
    INFO(workers << " workers");
    pipeline::ThreadPoolExecutor executor(workers);
    executor.start();
    std::vector<std::map<int, std::int64_t>> tid_of_worker(3);
    for (auto& run_tids : tid_of_worker) {
      // A fresh rendezvous per run makes every run use every thread.
      const pipeline::FilterChain chain({std::make_shared<Rendezvous>(workers)});
      const auto result = executor.run(chain, batch);
      CHECK(result.failure_count() == 0);
      CHECK(result.ready_s == result.start_s);  // started before: no start-up inside the run
      check_records(result, batch, workers);
      for (const auto& task : result.tasks) run_tids[task.record.worker] = task.record.tid;
      CHECK(static_cast<int>(run_tids.size()) == workers);
    }
    CHECK(tid_of_worker[1] == tid_of_worker[0]);
    CHECK(tid_of_worker[2] == tid_of_worker[0]);
  }
}

TEST_CASE("a thread pool that was not started starts itself on the first run, and only then", "[threads]") {
  const auto chain = pipeline::parse_filter_chain("grayscale");
  const auto batch = uneven_batch();
  pipeline::ThreadPoolExecutor executor(2);
  const auto first = executor.run(chain, batch);
  CHECK(first.failure_count() == 0);
  CHECK(first.ready_s >= first.start_s);
  const auto second = executor.run(chain, batch);
  CHECK(second.ready_s == second.start_s);
  executor.start();  // idempotent: the same threads
  const auto third = executor.run(chain, batch);
  std::set<std::int64_t> tids_second;
  std::set<std::int64_t> tids_third;
  for (const auto& task : second.tasks) tids_second.insert(task.record.tid);
  for (const auto& task : third.tasks) tids_third.insert(task.record.tid);
  std::set<std::int64_t> all = tids_second;
  all.insert(tids_third.begin(), tids_third.end());
  CHECK(all.size() <= 2);
}

TEST_CASE("run_files on the thread pool writes the same files and records as the sequential executor",
          "[threads][files]") {
  pipeline::test::TempFolder temp;
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const auto sequential_jobs = pipeline::test::write_png_jobs(temp.path() / "in", temp.path() / "sequential", 9, 900);
  std::vector<pipeline::FileJob> thread_jobs;
  for (const auto& job : sequential_jobs)
    thread_jobs.push_back({job.input, temp.path() / "threads" / job.output.filename()});
  fs::create_directories(temp.path() / "threads");

  const auto sequential =
      pipeline::SequentialExecutor().run_files(chain, sequential_jobs, {.output = {.compression = 1}});
  REQUIRE(sequential.failure_count() == 0);
  for (const int workers : {1, 2, 4}) {
    INFO(workers << " workers");
    pipeline::ThreadPoolExecutor executor(workers);
    const auto threads = executor.run_files(chain, thread_jobs, {.output = {.compression = 1}});
    CHECK(threads.executor == "threads");
    CHECK(threads.failure_count() == 0);
    REQUIRE(threads.tasks.size() == sequential.tasks.size());
    for (std::size_t i = 0; i < thread_jobs.size(); ++i) {
      const auto& record = threads.tasks[i].record;
      INFO(record.image);
      CHECK(record.image == sequential.tasks[i].record.image);
      CHECK(record.pixels == sequential.tasks[i].record.pixels);
      CHECK(record.tid != ::gettid());  // decoded, filtered and written on a pool thread
      CHECK(record.worker < workers);
      std::vector<std::string> stages;
      for (const auto& stage : record.stages) stages.push_back(stage.name);
      CHECK(stages == std::vector<std::string>{"decode", "filters", "encode"});
      CHECK(threads.tasks[i].output.empty());  // file jobs keep no image in the result
      CHECK(pipeline::test::file_bytes(thread_jobs[i].output) == pipeline::test::file_bytes(sequential_jobs[i].output));
      CHECK(pipeline::decode_image(thread_jobs[i].output) == chain.apply(pipeline::decode_image(thread_jobs[i].input)));
    }
    fs::remove_all(temp.path() / "threads");
    fs::create_directories(temp.path() / "threads");
  }
}

TEST_CASE("run_files holds at most one image per worker and reports each job once, one report at a time",
          "[threads][files]") {
  pipeline::test::TempFolder temp;
  const auto jobs = pipeline::test::write_png_jobs(temp.path() / "in", temp.path() / "out", 24, 900);
  for (const int workers : {1, 3}) {
    INFO(workers << " workers");
    const auto probe = std::make_shared<ConcurrencyProbe>();
    const pipeline::FilterChain chain({probe});
    std::atomic<int> reporting{0};
    std::atomic<bool> overlapped{false};
    std::map<std::string, int> reports;
    pipeline::RunOptions options;
    options.on_task_done = [&](const pipeline::TaskRecord& record) {
      if (++reporting > 1) overlapped = true;
      ++reports[record.image];  // unguarded on purpose: the executor serialises these calls
      --reporting;
    };
    const auto result = pipeline::ThreadPoolExecutor(workers).run_files(chain, jobs, {}, options);
    CHECK(result.failure_count() == 0);
    CHECK(probe->most() >= 1);
    CHECK(probe->most() <= workers);
    CHECK_FALSE(overlapped);
    CHECK(reports.size() == jobs.size());
    CHECK(std::all_of(reports.begin(), reports.end(), [](const auto& entry) { return entry.second == 1; }));
  }
}
