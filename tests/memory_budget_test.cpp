// The memory budget of file runs (FileJobOptions::memory_budget): what a job is estimated to take, that jobs wait
// for room instead of running together beyond the budget, in every executor, that one over the whole budget fails
// by name while the others are written, and that a stop reaches jobs still waiting.
#include "pipeline/memory_budget.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/folder_run.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::FileJob;
using pipeline::FileJobOptions;
using pipeline::ImageHeader;
namespace fs = std::filesystem;

namespace {

// `count` RGB images of 64x48 in `in`, one job each into `out`.
std::vector<FileJob> make_jobs(const fs::path& in, const fs::path& out, int count) {
  fs::create_directories(in);
  fs::create_directories(out);
  std::vector<FileJob> jobs;
  for (int i = 0; i < count; ++i) {
    const std::string name = "img-" + std::to_string(i) + ".png";
    pipeline::write_png_atomic(pipeline::test::noise_image(64, 48, 3, static_cast<std::uint64_t>(i) + 1), in / name);
    jobs.push_back({in / name, out / name});
  }
  return jobs;
}

std::uint64_t estimate_of(const fs::path& file) {
  return pipeline::estimate_task_memory(pipeline::read_image_header(file));
}

// The executors as the CLI makes them, with as many workers as given.
std::unique_ptr<pipeline::Executor> executor_named(const std::string& name, int workers) {
  return pipeline::make_executor(name, name == "sequential" ? 1 : workers, pipeline::ProcessPoolOptions{});
}

}  // namespace

TEST_CASE("a job's memory is its decoded image (twice if decoded twice) and two bytes per pixel for the output",
          "[memory_budget]") {
  ImageHeader rgb{.width = 100, .height = 50, .bands = 3, .bytes_per_sample = 1, .decoded_twice = false};
  CHECK(pipeline::estimate_task_memory(rgb) == 100 * 50 * 3 + 2 * 100 * 50);
  ImageHeader rotated16{.width = 10, .height = 20, .bands = 4, .bytes_per_sample = 2, .decoded_twice = true};
  CHECK(pipeline::estimate_task_memory(rotated16) == 2 * (10 * 20 * 4 * 2) + 2 * 10 * 20);
}

TEST_CASE("the default budget is half of the memory this process may use", "[memory_budget]") {
  const std::uint64_t usable = pipeline::usable_memory_bytes();
  CHECK(usable > 0);
  CHECK(pipeline::default_memory_budget() == usable / 2);
}

TEST_CASE("with room for one image at a time, no two tasks overlap in any executor, and all are written",
          "[memory_budget][processes]") {
  const auto chain = pipeline::parse_filter_chain(std::string(pipeline::default_filter_spec));
  for (const std::string name : {"threads", "processes"}) {
    INFO(name);
    pipeline::test::TempFolder temp;
    const auto jobs = make_jobs(temp.path() / "in", temp.path() / "out", 8);
    const std::uint64_t one = estimate_of(jobs.front().input);
    const auto executor = executor_named(name, 3);
    const auto result = executor->run_files(chain, jobs, FileJobOptions{.memory_budget = one + one / 2});
    REQUIRE(result.tasks.size() == jobs.size());
    std::vector<std::pair<double, double>> spans;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      INFO(jobs[i].input.filename().string() << ": " << result.tasks[i].record.error);
      CHECK(result.tasks[i].record.ok());
      CHECK(pipeline::decode_image(jobs[i].output) == chain.apply(pipeline::decode_image(jobs[i].input)));
      spans.emplace_back(result.tasks[i].record.start_s, result.tasks[i].record.end_s);
    }
    // One clock for every record (task.hpp): a task admitted only once the one before released its share starts
    // after that one ended.
    std::sort(spans.begin(), spans.end());
    for (std::size_t k = 1; k < spans.size(); ++k) CHECK(spans[k].first >= spans[k - 1].second);
  }
}

TEST_CASE("a job over the whole budget fails by name with both sizes, and every other job is written",
          "[memory_budget][processes]") {
  const auto chain = pipeline::parse_filter_chain(std::string(pipeline::default_filter_spec));
  for (const std::string name : {"sequential", "threads", "processes"}) {
    INFO(name);
    pipeline::test::TempFolder temp;
    auto jobs = make_jobs(temp.path() / "in", temp.path() / "out", 4);
    const fs::path large = temp.path() / "in" / "large.png";
    pipeline::write_png_atomic(pipeline::test::noise_image(640, 480, 3, 99), large);
    jobs.insert(jobs.begin() + 2, FileJob{large, temp.path() / "out" / "large.png"});
    const std::uint64_t budget = 4 * estimate_of(jobs.front().input);
    REQUIRE(estimate_of(large) > budget);
    const auto result = executor_named(name, 2)->run_files(chain, jobs, FileJobOptions{.memory_budget = budget});
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const auto& record = result.tasks[i].record;
      INFO(jobs[i].input.filename().string() << ": " << record.error);
      CHECK(record.image == jobs[i].input.filename().string());
      if (jobs[i].input == large) {
        CHECK_FALSE(record.ok());
        CHECK_FALSE(record.cancelled);
        CHECK_THAT(record.error,
                   Contains("needs about " + pipeline::format_bytes(estimate_of(large))) &&
                       Contains("more than the whole memory budget of " + pipeline::format_bytes(budget)));
        CHECK_FALSE(fs::exists(jobs[i].output));
      } else {
        CHECK(record.ok());
        CHECK(fs::exists(jobs[i].output));
      }
    }
  }
}

TEST_CASE("a budget of 0 turns admission off: nothing is refused, however large", "[memory_budget]") {
  pipeline::test::TempFolder temp;
  const auto jobs = make_jobs(temp.path() / "in", temp.path() / "out", 3);
  const auto chain = pipeline::parse_filter_chain("grayscale");
  const auto result = pipeline::ThreadPoolExecutor(2).run_files(chain, jobs, FileJobOptions{.memory_budget = 0});
  for (const auto& task : result.tasks) CHECK(task.record.ok());
}

namespace {

// Stops the run from inside the first task, then lingers, so the other thread's job is waiting for memory (the
// first still holds it) when the stop comes.
class StopsTheRun final : public pipeline::Filter {
 public:
  explicit StopsTheRun(std::stop_source* stop) : stop_(stop) {}
  [[nodiscard]] std::string name() const override { return "stops-the-run"; }
  [[nodiscard]] pipeline::Image apply(const pipeline::Image& input) const override {
    stop_->request_stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return pipeline::to_gray8(input);
  }

 private:
  std::stop_source* stop_;
};

}  // namespace

TEST_CASE("a stop reaches a job waiting for memory: it is cancelled, never started", "[memory_budget]") {
  pipeline::test::TempFolder temp;
  const auto jobs = make_jobs(temp.path() / "in", temp.path() / "out", 2);
  std::stop_source stop;
  const pipeline::FilterChain chain({std::make_shared<StopsTheRun>(&stop)});
  pipeline::RunOptions options;
  options.stop = stop.get_token();
  const std::uint64_t one = estimate_of(jobs.front().input);
  const auto result =
      pipeline::ThreadPoolExecutor(2).run_files(chain, jobs, FileJobOptions{.memory_budget = one + one / 2}, options);
  // Whichever job went first ran and was written; the other was waiting for its memory, or had not begun, when the
  // stop came: without the stop reaching the wait, it would have run once the first released its share.
  const std::size_t written = result.tasks[0].record.ok() ? 0 : 1;
  CHECK(result.tasks[written].record.ok());
  CHECK(fs::exists(jobs[written].output));
  CHECK(result.tasks[1 - written].record.cancelled);
  CHECK_FALSE(fs::exists(jobs[1 - written].output));
}
