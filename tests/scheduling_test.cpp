// The order in which the pools hand out images (largest first, executor.hpp), and that results keep input order.
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "test_images.hpp"

namespace {

pipeline::Batch batch_of_widths(const std::vector<int>& widths) {
  pipeline::Batch batch;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    batch.push_back({"image-" + std::to_string(i), pipeline::test::noise_image(widths[i], 40, 3, i + 1)});
  }
  return batch;
}

}  // namespace

TEST_CASE("largest_first orders a batch by pixel count, largest first, input order among equals", "[scheduling]") {
  const auto batch = batch_of_widths({10, 300, 50, 300, 10, 120});
  CHECK(pipeline::largest_first(batch) == std::vector<std::size_t>{1, 3, 5, 2, 0, 4});
  CHECK(pipeline::largest_first({}).empty());
}

TEST_CASE("one-worker pools run the largest images first and still return results in input order", "[scheduling]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  const auto batch = batch_of_widths({16, 400, 64, 250, 16, 900});
  std::vector<std::string> expected;
  for (const std::size_t i : pipeline::largest_first(batch)) expected.push_back(batch[i].name);
  for (const std::string executor : {"threads", "processes"}) {
    INFO(executor);
    const auto pool = pipeline::make_executor(executor, 1);
    std::vector<std::string> finished;  // one worker: the order it ran them in
    pipeline::RunOptions options;
    options.on_task_done = [&finished](const pipeline::TaskRecord& record) { finished.push_back(record.image); };
    const auto result = pool->run(chain, batch, options);
    CHECK(finished == expected);
    REQUIRE(result.tasks.size() == batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      CHECK(result.tasks[i].record.image == batch[i].name);
      CHECK(result.tasks[i].output == chain.apply(batch[i].image));
    }
  }
}
