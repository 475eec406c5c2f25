// Paradigms as a type: their names are the executors' names, and a name of another executor has no paradigm.
#include "pipeline/paradigm.hpp"

#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "pipeline/executors.hpp"

TEST_CASE("every paradigm's name gives the paradigm back", "[paradigm]") {
  for (const pipeline::Paradigm paradigm : pipeline::all_paradigms()) {
    CAPTURE(std::string(pipeline::name_of(paradigm)));
    CHECK(pipeline::paradigm_named(pipeline::name_of(paradigm)) == paradigm);
  }
  CHECK_FALSE(pipeline::paradigm_named("gpu").has_value());
  CHECK_FALSE(pipeline::paradigm_named("").has_value());
  CHECK_FALSE(pipeline::paradigm_named("Threads").has_value());
}

TEST_CASE("the sequential baseline comes first and only it is sequential", "[paradigm]") {
  REQUIRE_FALSE(pipeline::all_paradigms().empty());
  CHECK(pipeline::all_paradigms().front() == pipeline::Paradigm::sequential);
  CHECK(pipeline::is_sequential("sequential"));
  CHECK_FALSE(pipeline::is_sequential("threads"));
  CHECK_FALSE(pipeline::is_sequential("processes"));
  CHECK_FALSE(pipeline::is_sequential("my-own-executor"));
}

TEST_CASE("the executor made for a paradigm's name is named after it", "[paradigm]") {
  // mpi is a component's (pipeline::mpi), registered by it: not in this program.
  CHECK(pipeline::executor_names() == pipeline::local_paradigm_names());
  for (const std::string& name : pipeline::executor_names()) {
    CHECK(pipeline::make_executor(name, 1)->name() == name);
    CHECK(pipeline::executor_unavailable(name, 4).empty());
  }
}

TEST_CASE("an executor of a component is refused by name until the component registers it", "[paradigm]") {
  CHECK_THAT(pipeline::executor_unavailable("mpi", 2), Catch::Contains("pipeline::mpi"));
  CHECK_THROWS_WITH(pipeline::make_executor("mpi", 2), Catch::Contains("maybe_serve_mpi_rank"));
  CHECK_THROWS_AS(pipeline::register_executor("threads", {[](int workers, const pipeline::ProcessPoolOptions&) {
                                                            return pipeline::make_executor("sequential", workers);
                                                          },
                                                          {},
                                                          {}}),
                  std::invalid_argument);
  pipeline::register_executor(
      "inline-sequential",
      {[](int, const pipeline::ProcessPoolOptions&) { return pipeline::make_executor("sequential", 1); },
       [](int workers) { return workers > 1 ? std::string("one worker only") : std::string(); }, [] { return 1; }});
  CHECK(pipeline::executor_names().back() == "inline-sequential");
  CHECK(pipeline::executor_unavailable("inline-sequential", 1).empty());
  CHECK(pipeline::executor_unavailable("inline-sequential", 2) == "one worker only");
  CHECK(pipeline::make_executor("inline-sequential", 1)->name() == "sequential");
  CHECK(pipeline::executor_default_workers("inline-sequential") == 1);
  CHECK_FALSE(pipeline::executor_default_workers("threads").has_value());
  CHECK_THAT(pipeline::executor_unavailable("gpu", 1), Catch::Contains("unknown executor 'gpu'"));
}

TEST_CASE("only the process pool's and MPI's workers are other processes", "[paradigm]") {
  CHECK(pipeline::workers_are_processes(pipeline::Paradigm::processes));
  CHECK(pipeline::workers_are_processes(pipeline::Paradigm::mpi));
  CHECK_FALSE(pipeline::workers_are_processes(pipeline::Paradigm::threads));
  CHECK_FALSE(pipeline::workers_are_processes(pipeline::Paradigm::sequential));
}
