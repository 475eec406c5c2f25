// Paradigms as a type: their names are the executors' names, and a name of another executor has no paradigm.
#include "pipeline/paradigm.hpp"

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
  CHECK(pipeline::executor_names() == pipeline::paradigm_names());
  for (const std::string& name : pipeline::executor_names()) {
    CHECK(pipeline::make_executor(name, 1)->name() == name);
  }
}

TEST_CASE("only the process pool's workers are other processes", "[paradigm]") {
  CHECK(pipeline::workers_are_processes(pipeline::Paradigm::processes));
  CHECK_FALSE(pipeline::workers_are_processes(pipeline::Paradigm::threads));
  CHECK_FALSE(pipeline::workers_are_processes(pipeline::Paradigm::sequential));
}
