// Reports of a program's own runs: comparison_of() turns BatchResults into a Comparison, the sequential one (if
// any) its baseline, and run_conditions() describes them in one call.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pipeline/comparison.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/report.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "pipeline/vips.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;

namespace {

pipeline::Batch small_batch() {
  pipeline::Batch batch;
  for (int i = 0; i < 4; ++i) {
    batch.push_back({"img-" + std::to_string(i), pipeline::test::noise_image(12 + 3 * i, 9, 3, 700 + i)});
  }
  return batch;
}

const pipeline::FilterChain& chain() {
  static const auto parsed = pipeline::parse_filter_chain("grayscale,blur");
  return parsed;
}

pipeline::BatchResult sequential_run(const pipeline::Batch& batch) {
  return pipeline::SequentialExecutor().run(chain(), batch);
}

pipeline::BatchResult threads_run(const pipeline::Batch& batch) {
  return pipeline::ThreadPoolExecutor(2).run(chain(), batch);
}

}  // namespace

TEST_CASE("a program's own runs become a comparison whose baseline is the sequential run, wherever it was listed",
          "[own-runs]") {
  const auto batch = small_batch();
  auto threads = threads_run(batch);
  auto sequential = sequential_run(batch);
  const double threads_seconds = threads.seconds();
  const double sequential_seconds = sequential.seconds();
  const auto comparison = pipeline::comparison_of({std::move(threads), std::move(sequential)});

  REQUIRE(comparison.runs.size() == 2);
  CHECK(comparison.has_baseline());
  CHECK(comparison.separate_runs);
  CHECK(comparison.baseline().batch.executor == "sequential");
  const auto& run = comparison.runs[1];
  CHECK(run.batch.executor == "threads");
  CHECK(run.speedup == Approx(sequential_seconds / threads_seconds));
  CHECK(run.efficiency == Approx(run.speedup / 2));
  CHECK(run.repeat_seconds == std::vector<double>{threads_seconds});
  CHECK(run.identical_to_sequential);
  CHECK(run.digests == comparison.baseline().digests);
  CHECK(run.batch.tasks[0].output.empty());  // reduced to digests, as run_comparison does
  CHECK(run.observed.threads >= 1);

  const std::string text = pipeline::format_comparison(comparison, pipeline::RunConditions{});
  CHECK_THAT(text, Contains("| baseline") && Contains("one run per row") && Contains("the spread is unknown"));
}

TEST_CASE("without a sequential run no speedup is claimed, not even 1.0 for the run itself", "[own-runs]") {
  const auto comparison = pipeline::comparison_of({threads_run(small_batch())});
  REQUIRE(comparison.runs.size() == 1);
  CHECK_FALSE(comparison.has_baseline());
  CHECK(std::isnan(comparison.runs[0].speedup));
  CHECK(std::isnan(comparison.runs[0].efficiency));

  const pipeline::RunConditions conditions{};
  const std::string text = pipeline::format_comparison(comparison, conditions);
  CHECK_THAT(text, !Contains("baseline") && !Contains("1.00x") && Contains("No sequential run"));
  const auto json = nlohmann::json::parse(pipeline::comparison_json(comparison, conditions));
  CHECK(json["runs"][0]["speedup"].is_null());
  CHECK(json["runs"][0]["identical_to_sequential"].is_null());
  CHECK(json["all_identical_to_sequential"].is_null());
  CHECK(json["verdict"]["kind"] == "nothing_to_compare");
  const std::string html = pipeline::comparison_html(comparison, conditions);
  CHECK_THAT(html, !Contains("id=\"speedup-chart\"") && !Contains("(baseline)") && Contains("No sequential run"));
  CHECK_THAT(pipeline::comparison_markdown(comparison, conditions), !Contains("baseline"));
}

TEST_CASE("an own run whose outputs differ from the sequential run's is named, image by image", "[own-runs]") {
  const auto batch = small_batch();
  auto spoiled = sequential_run(batch);
  spoiled.executor = "threads";
  spoiled.tasks[1].output.bytes()[0] ^= 1;
  const auto comparison = pipeline::comparison_of({sequential_run(batch), std::move(spoiled)});
  CHECK_FALSE(comparison.runs[1].identical_to_sequential);
  CHECK(comparison.runs[1].mismatched_images == std::vector<std::string>{"img-1"});
  CHECK_FALSE(comparison.all_identical());
}

TEST_CASE("runs of different batches are refused: their times say nothing of each other", "[own-runs]") {
  const auto batch = small_batch();
  const pipeline::Batch fewer(batch.begin(), batch.begin() + 2);
  CHECK_THROWS_AS(pipeline::comparison_of({sequential_run(batch), threads_run(fewer)}), std::invalid_argument);
}

TEST_CASE("run_conditions describes this machine, the batch and the chain in one call", "[own-runs]") {
  const auto batch = small_batch();
  const auto conditions = pipeline::run_conditions("four noise images", batch, chain());
  CHECK(conditions.dataset.source == "four noise images");
  CHECK(conditions.dataset.images == 4);
  double megapixels = 0.0;
  for (const auto& image : batch) megapixels += static_cast<double>(image.image.pixel_count()) / 1e6;
  CHECK(conditions.dataset.megapixels == Approx(megapixels));
  CHECK(conditions.filters == chain().spec());
  CHECK(conditions.machine.logical_cpus >= 1);
  CHECK_FALSE(conditions.machine.libvips_version.empty());
  const auto vips = pipeline::current_vips_settings();
  CHECK(conditions.vips.concurrency == vips.concurrency);
  CHECK(conditions.vips.cache_max_operations == vips.cache_max_operations);
}
