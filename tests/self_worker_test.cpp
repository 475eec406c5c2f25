// A program with a filter of its own serves as its own process-pool worker: one call at the top of main.
// This test executable is such a program: the pool starts it again with --pipeline-worker.
#define CATCH_CONFIG_RUNNER  // our own main (it must serve as a worker before Catch2 sees the arguments)
#include <catch2/catch.hpp>

#include <unistd.h>

#include "pipeline/filter_registry.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/worker.hpp"
#include "test_images.hpp"

int main(int argc, char** argv) {
  pipeline::register_filter("invert", [](const std::optional<std::string>& parameter) -> pipeline::FilterPtr {
    if (parameter) throw pipeline::FilterSpecError("invert takes no parameter");
    return std::make_shared<pipeline::test::InvertFilter>();
  });
  if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;
  return Catch::Session().run(argc, argv);
}

TEST_CASE("a program's own filter runs in the process pool when the program is its own worker", "[self-worker]") {
  const auto chain = pipeline::parse_filter_chain("blur,invert");
  pipeline::Batch batch;
  for (int i = 0; i < 5; ++i) batch.push_back({"n" + std::to_string(i), pipeline::test::noise_image(30 + i, 20, 3, 7 + i)});

  const auto expected = pipeline::SequentialExecutor().run(chain, batch);
  const auto result = pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].record.pid != ::getpid());
    CHECK(result.tasks[i].output == expected.tasks[i].output);
  }
}

TEST_CASE("self_worker() names this very program with the worker flag", "[self-worker]") {
  const auto options = pipeline::ProcessPoolOptions::self_worker();
  REQUIRE(options.worker_program);
  CHECK(std::filesystem::equivalent(*options.worker_program, "/proc/self/exe"));
  CHECK(options.worker_arguments == std::vector<std::string>{std::string(pipeline::worker_flag)});
}

TEST_CASE("without the worker flag a program goes on as usual", "[self-worker]") {
  char name[] = "program";
  char other[] = "--list";
  char* argv[] = {name, other, nullptr};
  CHECK_FALSE(pipeline::maybe_serve_worker(2, argv).has_value());
  CHECK_FALSE(pipeline::maybe_serve_worker(1, argv).has_value());
}
