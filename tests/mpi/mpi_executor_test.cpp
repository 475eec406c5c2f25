// The mpi executor on real ranks: this program is started by mpirun (tests/mpi/CMakeLists.txt), rank 0 runs the
// cases and the other ranks serve. What every executor promises is checked on mpi too, by the executor contract
// test built a second time for mpirun (executor_contract_mpi_test); here, what is mpi's own.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#define CATCH_CONFIG_RUNNER  // our own main: the ranks serve before Catch2 sees the arguments
#include <catch2/catch.hpp>

#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/mpi/mpi_executor.hpp"
#include "pipeline/mpi/ranks.hpp"
#include "pipeline/sequential_executor.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;

namespace {

// A filter of this program's own, registered on every rank before they serve: the ranks build it from its name.
class Invert : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "invert"; }
  [[nodiscard]] pipeline::Image apply(const pipeline::Image& input) const override {
    pipeline::Image output = input;
    for (std::uint8_t& sample : output.bytes()) sample = static_cast<std::uint8_t>(255 - sample);
    return output;
  }
};

// The same, under a name only rank 0 registers.
class RankZeroOnly final : public Invert {
 public:
  [[nodiscard]] std::string name() const override { return "rank-zero-only"; }
};

// The same, under a name every rank but rank 1 registers.
class NotOnRankOne final : public Invert {
 public:
  [[nodiscard]] std::string name() const override { return "not-on-rank-1"; }
};

// The same, under the name of a filter the worker ranks take long to build (main()).
class SlowToBuild final : public Invert {
 public:
  [[nodiscard]] std::string name() const override { return "slow-to-build"; }
};

// A filter that never finishes in time (a hung filter, as far as a timeout can tell).
class Sleepy final : public Invert {
 public:
  [[nodiscard]] std::string name() const override { return "sleep-5s"; }
  [[nodiscard]] pipeline::Image apply(const pipeline::Image& input) const override {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    return Invert::apply(input);
  }
};

}  // namespace

TEST_CASE("mpi runs a batch on its worker ranks, outputs identical to sequential", "[mpi]") {
  REQUIRE(pipeline::mpi_worker_ranks() >= 2);
  const auto batch = pipeline::test::large_and_tiny_batch(10);
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const auto expected = pipeline::SequentialExecutor().run(chain, batch);
  pipeline::MpiExecutor mpi(2);
  const auto result = mpi.run(chain, batch);
  CHECK(result.executor == "mpi");
  CHECK(result.workers == 2);
  CHECK(result.transport == "mpi");
  REQUIRE(result.tasks.size() == batch.size());
  const auto ranks = pipeline::mpi_worker_rank_list();
  std::set<std::int64_t> pids;
  std::set<int> workers;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& record = result.tasks[i].record;
    INFO(record.image << ": " << record.error);
    CHECK(record.ok());
    CHECK(record.image == batch[i].name);
    CHECK(result.tasks[i].output == expected.tasks[i].output);
    REQUIRE((record.worker == 0 || record.worker == 1));
    // Rank worker + 1 ran it: its pid and host, as it said at start-up; not rank 0's process.
    const auto& rank = ranks[static_cast<std::size_t>(record.worker)];
    CHECK(rank.rank == record.worker + 1);
    CHECK(record.pid == rank.pid);
    CHECK(record.host == rank.host);
    CHECK(record.pid != ::getpid());
    CHECK(record.start_s <= record.end_s);
    CHECK(record.start_s >= result.start_s - 1e-3);
    CHECK(record.end_s <= result.end_s + 1e-3);
    CHECK(record.bytes_sent > batch[i].image.size_bytes());
    CHECK(record.bytes_received > 0);
    pids.insert(record.pid);
    workers.insert(record.worker);
  }
  CHECK(pids.size() == 2);  // dynamic scheduling reached both ranks
  CHECK(workers.size() == 2);
}

TEST_CASE("mpi runs a filter the program registered, on its ranks", "[mpi]") {
  const auto batch = pipeline::test::large_and_tiny_batch(4);
  const auto chain = pipeline::parse_filter_chain("grayscale,invert");
  const auto result = pipeline::MpiExecutor(2).run(chain, batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    CHECK(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == chain.apply(batch[i].image));
  }
}

TEST_CASE("mpi refuses a chain its ranks cannot build, with their reason, and runs the next", "[mpi]") {
  // Registered on rank 0 only, after the ranks started serving: they do not know it.
  pipeline::register_filter("rank-zero-only", [](const std::optional<std::string>&) -> pipeline::FilterPtr {
    return std::make_shared<RankZeroOnly>();
  });
  pipeline::MpiExecutor mpi(2);
  const auto batch = pipeline::test::large_and_tiny_batch(3);
  CHECK_THROWS_WITH(mpi.run(pipeline::parse_filter_chain("rank-zero-only"), batch), Contains("rank-zero-only"));
  const auto again = mpi.run(pipeline::parse_filter_chain("grayscale"), batch);
  CHECK(again.failure_count() == 0);
}

TEST_CASE("mpi refuses a chain one rank cannot build while another runs it, and the next run gets only its own",
          "[mpi]") {
  REQUIRE(pipeline::mpi_worker_ranks() >= 2);
  // Rank 2 builds the chain and takes tasks at once (they follow the chain frame); rank 1 refuses it. The run ends
  // with rank 1's reason once rank 2's tasks are back, so none of them is read as the next run's.
  const auto batch = pipeline::test::large_and_tiny_batch(8);
  pipeline::MpiExecutor mpi(2);
  CHECK_THROWS_WITH(mpi.run(pipeline::parse_filter_chain("grayscale,not-on-rank-1"), batch),
                    Contains("MPI rank 1") && Contains("not-on-rank-1"));
  const auto chain = pipeline::parse_filter_chain("grayscale,invert");
  const auto again = mpi.run(chain, batch);
  REQUIRE(again.failure_count() == 0);
  std::set<std::int64_t> pids;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    CHECK(again.tasks[i].output == chain.apply(batch[i].image));
    pids.insert(again.tasks[i].record.pid);
  }
  CHECK(pids.size() == 2);
}

TEST_CASE("mpi with more workers than worker ranks is refused with how to launch it", "[mpi]") {
  const int too_many = pipeline::mpi_worker_ranks() + 1;
  CHECK_THROWS_AS(pipeline::MpiExecutor(too_many), pipeline::MpiUnavailable);
  CHECK_THAT(pipeline::executor_unavailable("mpi", too_many), Contains(fmt::format("mpirun -n {}", too_many + 1)));
  CHECK(pipeline::executor_unavailable("mpi", 1).empty());
  CHECK(std::ranges::count(pipeline::executor_names(), "mpi") == 1);
}

// Run on its own (tests/mpi/CMakeLists.txt): it ends the job, which ctest checks from the message.
TEST_CASE("a task over the mpi task timeout aborts the MPI job, naming the image", "[timeout-aborts]") {
  const auto batch = pipeline::test::large_and_tiny_batch(2);
  pipeline::MpiExecutor mpi(1, {.vips = {}, .task_timeout_s = 0.5, .start_timeout_s = 60});
  (void)mpi.run(pipeline::parse_filter_chain("sleep-5s"), batch);
  FAIL("the run returned: the job was not aborted");
}

// Run on its own likewise: a rank that does not answer a run's chain in time ends the job.
TEST_CASE("a rank that does not answer the chain in time aborts the MPI job, naming the rank",
          "[chain-timeout-aborts]") {
  const auto batch = pipeline::test::large_and_tiny_batch(2);
  pipeline::MpiExecutor mpi(1, {.vips = {}, .task_timeout_s = 0, .start_timeout_s = 10});
  (void)mpi.run(pipeline::parse_filter_chain("slow-to-build"), batch);
  FAIL("the run returned: the job was not aborted");
}

TEST_CASE("without mpirun, mpi is refused with how to launch it", "[without-mpirun]") {
  REQUIRE_FALSE(pipeline::launched_by_mpi());
  CHECK(pipeline::mpi_worker_ranks() == 0);
  CHECK_THROWS_AS(pipeline::MpiExecutor(2), pipeline::MpiUnavailable);
  CHECK_THAT(pipeline::executor_unavailable("mpi", 2), Contains("not started by mpirun") && Contains("mpirun -n 3"));
  CHECK_THROWS_WITH(pipeline::make_executor("mpi", 2), Contains("mpirun"));
}

int main(int argc, char** argv) {
  pipeline::register_filter(
      "invert", [](const std::optional<std::string>&) -> pipeline::FilterPtr { return std::make_shared<Invert>(); });
  pipeline::register_filter(
      "sleep-5s", [](const std::optional<std::string>&) -> pipeline::FilterPtr { return std::make_shared<Sleepy>(); });
  // Built at once on rank 0, in 30 s on the worker ranks: a chain a rank takes longer to answer than the 10 s its
  // test allows (the same 10 s bound the ranks' start-up, which under a sanitizer on a busy machine takes seconds).
  pipeline::register_filter("slow-to-build", [](const std::optional<std::string>&) -> pipeline::FilterPtr {
    const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
    if (rank != nullptr && std::string(rank) != "0") std::this_thread::sleep_for(std::chrono::seconds(30));
    return std::make_shared<SlowToBuild>();
  });
  // Every rank but rank 1 (Open MPI names each process's rank in its environment before MPI starts).
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  if (rank == nullptr || std::string(rank) != "1") {
    pipeline::register_filter("not-on-rank-1", [](const std::optional<std::string>&) -> pipeline::FilterPtr {
      return std::make_shared<NotOnRankOne>();
    });
  }
  if (const auto code = pipeline::maybe_serve_mpi_rank(argc, argv)) return *code;
  return Catch::Session().run(argc, argv);
}
