// run_comparison: the sequential baseline first, then every paradigm at every worker count, each run's outputs
// checked against the baseline's image by image.
#include "pipeline/comparison.hpp"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/executors.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "test_images.hpp"

using pipeline::Image;

namespace {

pipeline::Batch small_batch() {
  pipeline::Batch batch;
  for (int i = 0; i < 4; ++i) {
    batch.push_back({"img-" + std::to_string(i), pipeline::test::noise_image(10 + 3 * i, 8, 3, 900 + i)});
  }
  return batch;
}

// Runs the chain sequentially, then spoils image 1's output by one pixel: a paradigm with a bug.
class SpoilsOneImage final : public pipeline::Executor {
 public:
  [[nodiscard]] std::string name() const override { return "spoiler"; }
  [[nodiscard]] int workers() const override { return 1; }

 protected:
  pipeline::BatchResult run_images(const pipeline::FilterChain& chain, std::span<const pipeline::NamedImage> batch,
                                   const pipeline::RunOptions& options) override {
    pipeline::BatchResult result = pipeline::SequentialExecutor().run(chain, batch, options);
    result.executor = name();
    if (result.tasks.size() > 1) result.tasks[1].output.bytes()[0] ^= 1;
    return result;
  }
  pipeline::BatchResult run_file_jobs(const pipeline::FilterChain& chain, std::span<const pipeline::FileJob> jobs,
                                      const pipeline::FileJobOptions& file_options,
                                      const pipeline::RunOptions& options) override {
    return pipeline::SequentialExecutor().run_files(chain, jobs, file_options, options);
  }
};

// A filter that is not a function of its input: every call gives a different image.
class Nondeterministic final : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "nondeterministic"; }
  [[nodiscard]] Image apply(const Image& input) const override {
    Image out = pipeline::to_gray8(input);
    out.bytes()[0] = static_cast<std::uint8_t>(calls_->fetch_add(1));
    return out;
  }

 private:
  std::shared_ptr<std::atomic<int>> calls_ = std::make_shared<std::atomic<int>>(0);
};

// Throws on images 13 pixels wide (img-1).
class Refuse13 final : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "refuse-13"; }
  [[nodiscard]] Image apply(const Image& input) const override {
    if (input.width() == 13) throw std::runtime_error("13 refused");
    return pipeline::to_gray8(input);
  }
};

// make_executor, plus "spoiler"; records every (name, workers) it is asked for.
struct Factory {
  std::vector<std::pair<std::string, int>> made;
  std::unique_ptr<pipeline::Executor> operator()(const std::string& name, int workers) {
    made.emplace_back(name, workers);
    if (name == "spoiler") return std::make_unique<SpoilsOneImage>();
    return pipeline::make_executor(name, workers);
  }
  pipeline::ExecutorFactory function() {
    return [this](const std::string& name, int workers) { return (*this)(name, workers); };
  }
};

}  // namespace

TEST_CASE("a comparison runs the sequential baseline first, then each paradigm at each worker count", "[comparison]") {
  const auto batch = small_batch();
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  pipeline::ComparisonPlan plan;
  plan.executors = {"threads", "sequential"};  // the baseline comes first whatever the order here
  plan.worker_counts = {2, 3};
  Factory factory;
  std::vector<std::pair<std::string, int>> started;
  std::vector<Image> baseline_outputs;
  const auto comparison = pipeline::run_comparison(
      chain, batch, plan, factory.function(),
      [&started](const std::string& name, int workers) { started.emplace_back(name, workers); },
      [&baseline_outputs](const pipeline::BatchResult& baseline) {
        CHECK(baseline.executor == "sequential");
        CHECK(baseline_outputs.empty());  // called once
        for (const auto& task : baseline.tasks) baseline_outputs.push_back(task.output);
      });

  const std::vector<std::pair<std::string, int>> expected = {{"sequential", 1}, {"threads", 2}, {"threads", 3}};
  CHECK(started == expected);
  CHECK(factory.made == expected);
  REQUIRE(comparison.runs.size() == 3);
  CHECK(comparison.baseline().batch.executor == "sequential");
  CHECK(comparison.runs[1].batch.executor == "threads");
  CHECK(comparison.runs[1].batch.workers == 2);
  CHECK(comparison.runs[2].batch.workers == 3);

  // Identical flags.
  CHECK(comparison.all_identical());
  CHECK(comparison.failed_tasks() == 0);
  for (const auto& run : comparison.runs) {
    CHECK(run.identical_to_sequential);
    CHECK(run.mismatched_images.empty());
    REQUIRE(run.digests.size() == batch.size());
    CHECK(run.digests == comparison.baseline().digests);
    CHECK(run.batch.tasks.size() == batch.size());
  }
  // The baseline's outputs go to the callback (the digests are theirs); every run is reduced to digests.
  REQUIRE(baseline_outputs.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Image& output = baseline_outputs[i];
    CHECK(output == chain.apply(batch[i].image));
    CHECK(comparison.baseline().digests[i] == pipeline::digest(output));
    CHECK(comparison.baseline().batch.tasks[i].output.empty());
    CHECK(comparison.runs[1].batch.tasks[i].output.empty());
    CHECK(comparison.runs[1].batch.tasks[i].record.ok());
  }
  // Figures: the baseline is 1 by definition; the others are computed from the measured times.
  CHECK(comparison.baseline().speedup == 1.0);
  CHECK(comparison.baseline().efficiency == 1.0);
  for (std::size_t r = 1; r < 3; ++r) {
    const auto& run = comparison.runs[r];
    CHECK(run.speedup == Approx(comparison.baseline().batch.seconds() / run.batch.seconds()));
    CHECK(run.efficiency == Approx(run.speedup / run.batch.workers));
    CHECK(run.observed.processes == 1);
    CHECK(run.observed.threads >= 1);
    CHECK(run.observed.threads <= static_cast<std::size_t>(run.batch.workers));
  }
  CHECK(comparison.baseline().observed.threads == 1);
}

TEST_CASE("worker counts are the outer loop, paradigms the inner", "[comparison]") {
  const auto batch = small_batch();
  const auto chain = pipeline::parse_filter_chain("grayscale,sobel");
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential", "threads", "spoiler"};
  plan.worker_counts = {2, 4};
  Factory factory;
  const auto comparison = pipeline::run_comparison(chain, batch, plan, factory.function());
  CHECK(factory.made == std::vector<std::pair<std::string, int>>{
                            {"sequential", 1}, {"threads", 2}, {"spoiler", 2}, {"threads", 4}, {"spoiler", 4}});
  CHECK(comparison.runs.size() == 5);
}

TEST_CASE("a paradigm whose output differs is flagged, naming the image", "[comparison]") {
  const auto batch = small_batch();
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential", "threads", "spoiler"};
  plan.worker_counts = {2};
  Factory factory;
  const auto comparison = pipeline::run_comparison(chain, batch, plan, factory.function());
  REQUIRE(comparison.runs.size() == 3);
  CHECK(comparison.runs[1].identical_to_sequential);
  const auto& spoiled = comparison.runs[2];
  CHECK(spoiled.batch.executor == "spoiler");
  CHECK_FALSE(spoiled.identical_to_sequential);
  CHECK(spoiled.mismatched_images == std::vector<std::string>{"img-1"});
  CHECK(spoiled.digests[0] == comparison.baseline().digests[0]);
  CHECK(spoiled.digests[1] != comparison.baseline().digests[1]);
  CHECK_FALSE(comparison.all_identical());
  CHECK(comparison.failed_tasks() == 0);
}

TEST_CASE("a nondeterministic filter is caught as a mismatch on every image", "[comparison]") {
  const auto batch = small_batch();
  const pipeline::FilterChain chain({std::make_shared<Nondeterministic>()});
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential", "threads"};  // a test-local filter: not in a worker program
  plan.worker_counts = {2};
  Factory factory;
  const auto comparison = pipeline::run_comparison(chain, batch, plan, factory.function());
  REQUIRE(comparison.runs.size() == 2);
  CHECK_FALSE(comparison.all_identical());
  CHECK(comparison.runs[1].mismatched_images == std::vector<std::string>{"img-0", "img-1", "img-2", "img-3"});
}

TEST_CASE("failed tasks are counted over all runs and a failure in both runs is no mismatch", "[comparison]") {
  const auto batch = small_batch();  // img-1 is 13 pixels wide
  const pipeline::FilterChain chain({std::make_shared<Refuse13>()});
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential", "threads"};  // a test-local filter: not in a worker program
  plan.worker_counts = {2, 3};
  Factory factory;
  const auto comparison = pipeline::run_comparison(chain, batch, plan, factory.function());
  REQUIRE(comparison.runs.size() == 3);
  CHECK(comparison.failed_tasks() == 3);
  CHECK(comparison.baseline().digests[1] == 0);
  CHECK(comparison.all_identical());
}

TEST_CASE("failed tasks are counted in every run, warm-ups included, not only the median one", "[comparison]") {
  const auto batch = small_batch();  // img-1 is 13 pixels wide
  const pipeline::FilterChain chain({std::make_shared<Refuse13>()});
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential", "threads"};
  plan.worker_counts = {2};
  plan.warmup = 1;
  plan.repeats = 3;
  Factory factory;
  const auto comparison = pipeline::run_comparison(chain, batch, plan, factory.function());
  CHECK(comparison.runs[0].failed_tasks == 4);
  CHECK(comparison.failed_tasks() == 8);  // 2 configurations x 4 runs, one failure each
}

TEST_CASE("a comparison of the baseline alone needs no worker counts", "[comparison]") {
  const auto batch = small_batch();
  const auto chain = pipeline::parse_filter_chain("grayscale");
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential"};
  plan.worker_counts = {};
  Factory factory;
  const auto comparison = pipeline::run_comparison(chain, batch, plan, factory.function());
  REQUIRE(comparison.runs.size() == 1);
  CHECK(comparison.baseline().batch.executor == "sequential");
  CHECK(comparison.all_identical());
}

TEST_CASE("a comparison refuses impossible worker counts before running anything", "[comparison]") {
  const auto batch = small_batch();
  const auto chain = pipeline::parse_filter_chain("grayscale");
  Factory factory;
  pipeline::ComparisonPlan plan;
  plan.worker_counts = {};
  CHECK_THROWS_AS(pipeline::run_comparison(chain, batch, plan, factory.function()), std::invalid_argument);
  plan.worker_counts = {2, 0};
  CHECK_THROWS_AS(pipeline::run_comparison(chain, batch, plan, factory.function()), std::invalid_argument);
  plan.worker_counts = {-1};
  CHECK_THROWS_AS(pipeline::run_comparison(chain, batch, plan, factory.function()), std::invalid_argument);
  CHECK(factory.made.empty());
}

TEST_CASE("repeats are measured after warm-ups, and the figures use their median", "[comparison]") {
  const auto batch = small_batch();
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential", "threads"};
  plan.worker_counts = {2};
  plan.warmup = 2;
  plan.repeats = 3;
  Factory factory;
  std::size_t tasks_done = 0;
  plan.run_options.on_task_done = [&tasks_done](const pipeline::TaskRecord&) { ++tasks_done; };
  const auto comparison = pipeline::run_comparison(chain, batch, plan, factory.function());
  // One executor per configuration, reused for its 2 warm-ups and 3 measured runs.
  CHECK(factory.made.size() == 2);
  CHECK(tasks_done == 2 * 5 * batch.size());
  REQUIRE(comparison.runs.size() == 2);
  for (const auto& run : comparison.runs) {
    REQUIRE(run.repeat_seconds.size() == 3);
    const auto spread = pipeline::spread_of(run.repeat_seconds);
    CHECK(run.seconds.median == spread.median);
    CHECK(run.seconds.min <= run.seconds.median);
    CHECK(run.seconds.median <= run.seconds.max);
    // The kept records are those of the run nearest the median: with three runs, the median run itself.
    CHECK(run.batch.seconds() == run.seconds.median);
  }
  CHECK(comparison.runs[1].speedup == Approx(comparison.runs[0].seconds.median / comparison.runs[1].seconds.median));
}

TEST_CASE("the spread of repeated timings is their median, min and max", "[comparison]") {
  const auto odd = pipeline::spread_of({3.0, 1.0, 2.0});
  CHECK(odd.median == 2.0);
  CHECK(odd.min == 1.0);
  CHECK(odd.max == 3.0);
  CHECK(odd.large());  // 3 / 1 > 1.15
  const auto even = pipeline::spread_of({1.0, 1.1, 1.05, 1.02});
  CHECK(even.median == Approx(1.035));
  CHECK_FALSE(even.large());  // 1.1 / 1.0 <= 1.15
  CHECK(pipeline::spread_of({}).median == 0.0);
}

TEST_CASE("a comparison refuses impossible repeat counts", "[comparison]") {
  const auto batch = small_batch();
  const auto chain = pipeline::parse_filter_chain("grayscale");
  Factory factory;
  pipeline::ComparisonPlan plan;
  plan.repeats = 0;
  CHECK_THROWS_AS(pipeline::run_comparison(chain, batch, plan, factory.function()), std::invalid_argument);
  plan.repeats = 1;
  plan.warmup = -1;
  CHECK_THROWS_AS(pipeline::run_comparison(chain, batch, plan, factory.function()), std::invalid_argument);
  CHECK(factory.made.empty());
}

TEST_CASE("a comparison runs no more workers than images, each worker count once", "[comparison]") {
  CHECK(pipeline::worker_counts_for({2, 4, 1000}, 3) == std::vector<int>{2, 3});
  CHECK(pipeline::worker_counts_for({4, 2}, 20) == std::vector<int>{4, 2});
  CHECK(pipeline::worker_counts_for({8}, 0) == std::vector<int>{1});

  const auto batch = small_batch();
  REQUIRE(batch.size() == 4);
  pipeline::ComparisonPlan plan;
  plan.executors = {"sequential", "threads"};
  plan.worker_counts = {3, 6, 1000};
  Factory factory;
  const auto comparison =
      pipeline::run_comparison(pipeline::parse_filter_chain("grayscale"), batch, plan, factory.function());
  const std::vector<std::pair<std::string, int>> expected = {{"sequential", 1}, {"threads", 3}, {"threads", 4}};
  CHECK(factory.made == expected);
  REQUIRE(comparison.runs.size() == 3);
  CHECK(comparison.runs[2].batch.workers == 4);
}
