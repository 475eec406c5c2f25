// The sequential baseline: every image in the calling thread, in order, each task recorded.
#include "pipeline/sequential_executor.hpp"

#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/filter.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/filters.hpp"
#include "reference_filters.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::Image;

namespace {

// Images of very different sizes, each named after its position.
pipeline::Batch uneven_batch() {
  return pipeline::test::batch_of_sizes({{40, 30}, {1, 1}, {7, 3}, {25, 60}, {3, 1}, {1, 9}}, 500);
}

// Throws on images exactly 7 pixels wide; converts the others to grey.
class RefuseWidth7 final : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "refuse-width-7"; }
  [[nodiscard]] Image apply(const Image& input) const override {
    if (input.width() == 7) throw std::runtime_error("width 7 refused");
    return pipeline::to_gray8(input);
  }
};

// Throws something that is not a std::exception, or an exception with an empty message.
class ThrowOdd final : public pipeline::Filter {
 public:
  explicit ThrowOdd(bool empty_message) : empty_message_(empty_message) {}
  [[nodiscard]] std::string name() const override { return "throw-odd"; }
  [[nodiscard]] Image apply(const Image& input) const override {
    if (input.width() == 7) {
      if (empty_message_) throw std::runtime_error("");
      throw 42;
    }
    return pipeline::to_gray8(input);
  }

 private:
  bool empty_message_;
};

}  // namespace

TEST_CASE("the sequential executor returns results in input order", "[sequential]") {
  const auto batch = uneven_batch();
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  pipeline::SequentialExecutor executor;
  CHECK(executor.name() == "sequential");
  CHECK(executor.workers() == 1);
  const auto result = executor.run(chain, batch);
  CHECK(result.executor == "sequential");
  CHECK(result.workers == 1);
  CHECK(result.failure_count() == 0);
  REQUIRE(result.tasks.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    const auto& task = result.tasks[i];
    CHECK(task.record.image == batch[i].name);
    CHECK(task.record.ok());
    CHECK(task.output.width() == batch[i].image.width());
    CHECK(task.output.height() == batch[i].image.height());
    CHECK(task.output == chain.apply(batch[i].image));
  }
  // What an exact chain (no blur) computes is the spec's arithmetic, image by image.
  const auto exact_chain = pipeline::parse_filter_chain("grayscale,sobel,sharpen,brightness=1.2");
  const auto exact = executor.run(exact_chain, batch);
  REQUIRE(exact.tasks.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    CHECK(exact.tasks[i].output == pipeline::test::reference::chain(exact_chain.spec(), batch[i].image));
  }
}

TEST_CASE("the sequential executor records where and when each task ran", "[sequential]") {
  const auto batch = uneven_batch();
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  const auto result = pipeline::SequentialExecutor().run(chain, batch);
  REQUIRE(result.tasks.size() == batch.size());
  CHECK(result.start_s > 0.0);
  CHECK(result.start_s <= result.end_s);
  CHECK(result.seconds() >= 0.0);
  double previous_end = result.start_s;
  for (const auto& task : result.tasks) {
    const auto& record = task.record;
    INFO(record.image);
    CHECK(record.pid == ::getpid());
    CHECK(record.tid == ::gettid());  // the calling thread
    CHECK(record.worker == 0);
    CHECK(record.cpu_start >= 0);
    CHECK(record.cpu_end >= 0);
    CHECK(record.start_s <= record.end_s);
    CHECK(record.seconds() >= 0.0);
    CHECK(previous_end <= record.start_s);  // one after another, in order
    previous_end = record.end_s;
    CHECK(record.bytes_sent == 0);
    CHECK(record.bytes_received == 0);
    CHECK(record.transfer_s == 0.0);
  }
  CHECK(previous_end <= result.end_s);
}

TEST_CASE("a filter's exception becomes its image's error and the others succeed", "[sequential]") {
  const auto batch = uneven_batch();  // image-2 is 7 pixels wide
  const pipeline::FilterChain chain({std::make_shared<RefuseWidth7>(), std::make_shared<pipeline::SobelFilter>()});
  const auto result = pipeline::SequentialExecutor().run(chain, batch);
  REQUIRE(result.tasks.size() == batch.size());
  CHECK(result.failure_count() == 1);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    const auto& task = result.tasks[i];
    CHECK(task.record.image == batch[i].name);
    if (i == 2) {
      CHECK_FALSE(task.record.ok());
      CHECK_THAT(task.record.error, Contains("width 7 refused"));
      CHECK(task.output.empty());
      CHECK(task.record.pid == ::getpid());  // the failed task is recorded too
      CHECK(task.record.start_s <= task.record.end_s);
    } else {
      CHECK(task.record.ok());
      CHECK(task.output == pipeline::SobelFilter().apply(batch[i].image));
    }
  }
}

TEST_CASE("exceptions that are not std::exception, or say nothing, still make an error", "[sequential]") {
  const auto batch = uneven_batch();
  for (const bool empty_message : {false, true}) {
    const pipeline::FilterChain chain({std::make_shared<ThrowOdd>(empty_message)});
    const auto result = pipeline::SequentialExecutor().run(chain, batch);
    REQUIRE(result.tasks.size() == batch.size());
    CHECK(result.failure_count() == 1);
    CHECK_FALSE(result.tasks[2].record.ok());
    CHECK_FALSE(result.tasks[2].record.error.empty());
    CHECK(result.tasks[3].record.ok());
  }
}
