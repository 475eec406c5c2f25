// A program with a filter of its own serves as its own process-pool worker: one call at the top of main.
// This test executable is such a program: the pool starts it again with --pipeline-worker.
#define CATCH_CONFIG_RUNNER  // our own main (it must serve as a worker before Catch2 sees the arguments)
#include <unistd.h>

#include <catch2/catch.hpp>

#include "pipeline/filter_registry.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/worker.hpp"
#include "test_images.hpp"

namespace {
class Late final : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "late"; }  // the spec names it so
  [[nodiscard]] pipeline::Image apply(const pipeline::Image& input) const override { return pipeline::to_gray8(input); }
};
}  // namespace

int main(int argc, char** argv) {
  pipeline::register_filter("invert", [](const std::optional<std::string>& parameter) -> pipeline::FilterPtr {
    if (parameter) throw pipeline::FilterSpecError("invert takes no parameter");
    return std::make_shared<pipeline::test::InvertFilter>();
  });
  // A filter from a lambda, no class: rebuilt by name in the workers like any other.
  pipeline::register_filter("darken", [](const pipeline::Image& input) {
    pipeline::Image out = pipeline::to_gray8(input);
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(v / 2);
    return out;
  });
  if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;
  // Too late for the workers: they serve with the filters registered before maybe_serve_worker().
  pipeline::register_filter(
      "late", [](const std::optional<std::string>&) -> pipeline::FilterPtr { return std::make_shared<Late>(); });
  return Catch::Session().run(argc, argv);
}

namespace {

// `spec` on a few noise images: the process pool's self-workers give what sequential gives, in other processes.
void check_self_workers_run(const std::string& spec) {
  const auto chain = pipeline::parse_filter_chain(spec);
  pipeline::Batch batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back({"n" + std::to_string(i), pipeline::test::noise_image(30 + i, 20, 3, 7 + i)});
  const auto expected = pipeline::SequentialExecutor().run(chain, batch);
  const auto result = pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].record.pid != ::getpid());
    CHECK(result.tasks[i].output == expected.tasks[i].output);
  }
}

}  // namespace

TEST_CASE("a program's own filter runs in the process pool when the program is its own worker", "[self-worker]") {
  check_self_workers_run("blur,invert");
}

TEST_CASE("a filter from a lambda runs in the process pool's self-worker", "[self-worker][lambda]") {
  check_self_workers_run("blur,darken");
}

TEST_CASE("a filter registered after maybe_serve_worker() is refused by the workers with the fix named",
          "[self-worker]") {
  const auto chain = pipeline::parse_filter_chain("blur,late");
  pipeline::Batch batch{{"one", pipeline::test::noise_image(8, 6, 3, 1)}};
  CHECK_THROWS_WITH(
      pipeline::ProcessPoolExecutor(1, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch),
      Catch::Contains("unknown filter 'late'") &&
          Catch::Contains("register every filter of the chain before calling pipeline::maybe_serve_worker"));
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
