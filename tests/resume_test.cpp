// Resuming a folder run (skip_up_to_date): which outputs count as up to date, which are redone, and what the
// summary says. Modification times are set by the tests, never waited for, so no case depends on the clock's tick.
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "folders.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/folder_run.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::OutputState;
using pipeline::test::files_in;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> stems{"a", "b", "c", "d"};

// Four images whose modification time is an hour ago, so that outputs written now are newer whatever the tick.
void make_inputs(const fs::path& in) {
  fs::create_directories(in);
  std::uint64_t seed = 1;
  for (const auto& stem : stems) {
    pipeline::write_png_atomic(pipeline::test::noise_image(12, 9, 3, seed++), in / (stem + ".png"));
    fs::last_write_time(in / (stem + ".png"), fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
}

std::vector<std::string> outputs_of(const std::vector<pipeline::FileJob>& jobs) {
  std::vector<std::string> names;
  for (const auto& job : jobs) names.push_back(job.output.filename().string());
  return names;
}

}  // namespace

TEST_CASE("an output counts as up to date only when it is modified strictly later than its input", "[resume]") {
  pipeline::test::TempFolder temp;
  const pipeline::FileJob job{temp.path() / "in.png", temp.path() / "out.png"};
  pipeline::write_png_atomic(pipeline::test::noise_image(4, 4, 1, 1), job.input);
  CHECK(pipeline::output_state(job) == OutputState::missing);

  pipeline::write_png_atomic(pipeline::test::noise_image(4, 4, 1, 2), job.output);
  const auto input_time = fs::last_write_time(job.input);
  fs::last_write_time(job.output, input_time + std::chrono::nanoseconds(1));
  CHECK(pipeline::output_state(job) == OutputState::up_to_date);  // one nanosecond later is enough
  fs::last_write_time(job.output, input_time);
  CHECK(pipeline::output_state(job) == OutputState::older);  // equal is not: the input may be as new
  fs::last_write_time(job.output, input_time - std::chrono::seconds(1));
  CHECK(pipeline::output_state(job) == OutputState::older);

  fs::remove(job.output);
  fs::create_directory(job.output);  // not a file: nothing to keep
  CHECK(pipeline::output_state(job) == OutputState::missing);
}

TEST_CASE("skip_up_to_date keeps the jobs whose output is missing or older and counts the others", "[resume]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  const auto chain = pipeline::parse_filter_chain("grayscale,blur");
  pipeline::SequentialExecutor sequential;
  const auto first = pipeline::run_folder(chain, pipeline::plan_folder_run(in, out), sequential);
  REQUIRE(first.succeeded == 4);

  fs::remove(out / "a.png");
  // What a run killed while writing "b.png" leaves: its hidden temporary, never taken for the output.
  fs::rename(out / "b.png", out / ".b.png.4242.0.tmp.png");
  fs::last_write_time(in / "c.png", fs::last_write_time(out / "c.png") + std::chrono::seconds(1));
  const auto d_time = fs::last_write_time(out / "d.png");

  auto plan = pipeline::plan_folder_run(in, out);
  const auto older = pipeline::skip_up_to_date(plan);
  CHECK(outputs_of(plan.jobs) == std::vector<std::string>{"a.png", "b.png", "c.png"});
  CHECK(outputs_of(older) == std::vector<std::string>{"c.png"});
  CHECK(plan.up_to_date == 1u);
  // Called again, it finds nothing more to drop and keeps the count.
  CHECK(pipeline::skip_up_to_date(plan).size() == 1);
  CHECK(plan.up_to_date == 1u);

  pipeline::ThreadPoolExecutor threads(2);
  const auto summary = pipeline::run_folder(chain, plan, threads);
  CHECK(summary.images == 4);
  CHECK(summary.up_to_date == 1u);
  CHECK(summary.succeeded == 3);
  CHECK(summary.failures.empty());
  CHECK(fs::last_write_time(out / "d.png") == d_time);  // not rewritten
  for (const auto& stem : stems) {
    INFO(stem);
    CHECK(pipeline::decode_image(out / (stem + ".png")) == chain.apply(pipeline::decode_image(in / (stem + ".png"))));
  }
  CHECK_THAT(pipeline::format_folder_summary(summary),
             Contains("4 found, 1 up to date (skipped), 3 written, 0 failed"));
}

TEST_CASE("a resumed run with every output up to date runs nothing and says so", "[resume]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  std::ofstream(in / "notes.txt") << "not an image";
  const auto chain = pipeline::parse_filter_chain("grayscale");
  pipeline::SequentialExecutor sequential;
  REQUIRE(pipeline::run_folder(chain, pipeline::plan_folder_run(in, out), sequential).succeeded == 4);
  const auto before = files_in(out);

  auto plan = pipeline::plan_folder_run(in, out);
  CHECK(pipeline::skip_up_to_date(plan).empty());
  CHECK(plan.jobs.empty());
  const auto summary = pipeline::run_folder(chain, plan, sequential);
  CHECK(summary.images == 4);
  CHECK(summary.succeeded == 0);
  CHECK(files_in(out) == before);
  const std::string text = pipeline::format_folder_summary(summary);
  CHECK_THAT(text, Contains("Images:      4 found, 4 up to date (skipped), 0 written, 0 failed; 1 other entry skipped: "
                            "notes.txt"));
}

TEST_CASE("a run that does not resume rewrites every output and its summary says nothing of up to date", "[resume]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out";
  make_inputs(in);
  const auto chain = pipeline::parse_filter_chain("grayscale");
  pipeline::SequentialExecutor sequential;
  REQUIRE(pipeline::run_folder(chain, pipeline::plan_folder_run(in, out), sequential).succeeded == 4);

  const auto plan = pipeline::plan_folder_run(in, out);
  CHECK(plan.jobs.size() == 4);
  CHECK_FALSE(plan.up_to_date.has_value());
  const auto summary = pipeline::run_folder(chain, plan, sequential);
  CHECK(summary.succeeded == 4);
  CHECK_FALSE(summary.up_to_date.has_value());
  const std::string text = pipeline::format_folder_summary(summary);
  CHECK_THAT(text, Contains("Images:      4 found, 4 written, 0 failed\n"));
  CHECK(text.find("up to date") == std::string::npos);
}
