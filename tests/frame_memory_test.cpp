// A frame header only declares a size: memory is spent on the bytes that arrive, on either side of the pipes.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <cstdint>

#include "pipeline/filter_registry.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "test_images.hpp"

namespace {

constexpr long slack_kib = 16 * 1024;  // allocator and sanitizer noise, far below the declared gigabyte

}  // namespace

TEST_CASE("the pool sent a result header declaring 1 GiB and then 100 bytes does not hold a gigabyte", "[frames]") {
  pipeline::ProcessPoolOptions options;
  options.worker_program = OVERSIZED_FRAME_WORKER;
  const auto chain = pipeline::parse_filter_chain("grayscale");
  pipeline::Batch batch{{"one", pipeline::test::noise_image(8, 6, 3, 1)}};
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  // It fails, however the pool tells it (the worker keeps dying); what matters here is what it cost.
  CHECK_THROWS(pipeline::ProcessPoolExecutor(1, options).run(chain, batch));
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  INFO("peak RSS: " << before.ru_maxrss << " KiB before the run, " << after.ru_maxrss << " KiB after");
  CHECK(after.ru_maxrss < before.ru_maxrss + slack_kib);
}
