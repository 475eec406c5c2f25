// The reports drawn from task records: the terminal timeline, stage totals (--profile-filters) and where they
// appear in the text, JSON, Markdown and trace outputs.
#include "pipeline/report.hpp"

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pipeline/analysis.hpp"

using Catch::Matchers::Contains;

namespace {

pipeline::TaskRecord task(const std::string& image, int worker, double start_s, double end_s) {
  pipeline::TaskRecord record;
  record.image = image;
  record.worker = worker;
  record.pid = 4242;
  record.tid = 4243 + worker;
  record.start_s = start_s;
  record.end_s = end_s;
  record.pixels = 1'000'000;
  return record;
}

pipeline::BatchResult batch_of(const std::string& executor, int workers, double start_s, double end_s,
                               std::vector<pipeline::TaskRecord> records) {
  pipeline::BatchResult batch;
  batch.executor = executor;
  batch.workers = workers;
  batch.start_s = start_s;
  batch.ready_s = start_s;
  batch.end_s = end_s;
  for (auto& record : records) batch.tasks.push_back({pipeline::Image(), std::move(record)});
  return batch;
}

// Counts UTF-8 code points of `glyph` in `text`.
std::size_t count_of(const std::string& text, const std::string& glyph) {
  std::size_t count = 0;
  for (auto at = text.find(glyph); at != std::string::npos; at = text.find(glyph, at + glyph.size())) ++count;
  return count;
}

std::string line_of(const std::string& text, const std::string& marker) {
  const auto at = text.find(marker);
  REQUIRE(at != std::string::npos);
  return text.substr(at, text.find('\n', at) - at);
}

}  // namespace

TEST_CASE("the timeline has one row per worker, busy where its tasks ran and idle elsewhere", "[report]") {
  // Worker 0 busy for the whole 100 ms in two tasks; worker 1 busy for the first half only.
  const auto batch = batch_of("threads", 2, 10.0, 10.1,
                              {task("a", 0, 10.0, 10.05), task("b", 1, 10.0, 10.05), task("c", 0, 10.05, 10.1)});
  const std::string timeline = pipeline::format_timeline(batch, 20);
  CHECK_THAT(timeline, Contains("threads x2") && Contains("100.0 ms"));
  const std::string worker0 = line_of(timeline, "worker 0");
  const std::string worker1 = line_of(timeline, "worker 1");
  CHECK(count_of(worker0, "█") == 10);  // task a
  CHECK(count_of(worker0, "▓") == 10);  // task c, shaded apart from a
  CHECK(count_of(worker0, "░") == 0);
  CHECK_THAT(worker0, Contains("100% busy") && Contains("pid 4242 tid 4243"));
  CHECK(count_of(worker1, "█") == 10);
  CHECK(count_of(worker1, "░") == 10);
  CHECK_THAT(worker1, Contains("50% busy") && Contains("tid 4244"));
  CHECK(timeline.find("worker 2") == std::string::npos);
}

TEST_CASE("the timeline marks failed tasks and a pool's start-up", "[report]") {
  auto failed = task("bad", 0, 10.05, 10.1);
  failed.error = "corrupt";
  auto batch = batch_of("processes", 1, 10.0, 10.1, {failed});
  batch.ready_s = 10.05;  // the worker took the first half to start
  const std::string row = line_of(pipeline::format_timeline(batch, 10), "worker 0");
  CHECK(count_of(row, "·") == 5);
  CHECK(count_of(row, "✗") == 5);
}

TEST_CASE("stage totals sum each stage over the tasks, with its share and cost per megapixel", "[report]") {
  auto first = task("a", 0, 0.0, 0.010);
  first.stages = {{"grayscale", 0.0, 0.002}, {"blur", 0.002, 0.010}};
  auto second = task("b", 0, 0.010, 0.020);
  second.stages = {{"grayscale", 0.010, 0.013}, {"blur", 0.013, 0.020}};
  const auto totals = pipeline::stage_totals(batch_of("sequential", 1, 0.0, 0.020, {first, second}));
  REQUIRE(totals.size() == 2);
  CHECK(totals[0].name == "grayscale");
  CHECK(totals[0].seconds == Approx(0.005));
  CHECK(totals[0].share == Approx(0.25));
  CHECK(totals[0].ms_per_megapixel == Approx(2.5));  // 5 ms over 2 MP
  CHECK(totals[1].name == "blur");
  CHECK(totals[1].seconds == Approx(0.015));
  CHECK(totals[1].share == Approx(0.75));
}

TEST_CASE("without profiling there are no stage totals and no stage table", "[report]") {
  pipeline::Comparison comparison;
  comparison.runs.push_back({});
  comparison.runs.back().batch = batch_of("sequential", 1, 0.0, 0.01, {task("a", 0, 0.0, 0.01)});
  CHECK(pipeline::stage_totals(comparison.runs.back().batch).empty());
  const std::string text = pipeline::format_comparison(comparison, {});
  CHECK(text.find("Where the time goes") == std::string::npos);
  CHECK_THAT(text, Contains("Timelines") && Contains("sequential x1"));
}

TEST_CASE("profiled stages appear in the terminal table, the Markdown, the JSON and as nested trace slices",
          "[report]") {
  auto record = task("photo.jpg", 0, 1.0, 1.010);
  record.stages = {{"grayscale", 1.0, 1.002}, {"sobel", 1.002, 1.010}};
  pipeline::Comparison comparison;
  comparison.runs.push_back({});
  comparison.runs.back().batch = batch_of("sequential", 1, 1.0, 1.010, {record});
  comparison.runs.back().seconds = {0.010, 0.010, 0.010};

  const std::string text = pipeline::format_comparison(comparison, {});
  CHECK_THAT(line_of(text, "  sobel"), Contains("8.00 ms/MP") && Contains("80%"));
  CHECK_THAT(pipeline::comparison_markdown(comparison, {}), Contains("| sobel | 8.00 (80%) |"));

  const auto json = nlohmann::json::parse(pipeline::comparison_json(comparison, {}));
  const auto& run = json["runs"][0];
  REQUIRE(run["stage_totals"].size() == 2);
  CHECK(run["stage_totals"][1]["name"] == "sobel");
  CHECK(run["tasks"][0]["stages"][0]["name"] == "grayscale");
  CHECK(run["tasks"][0]["pixels"] == 1'000'000);
  // The one task covers the whole run.
  CHECK(run["wall_time_split"]["filtering"].get<double>() == Approx(1.0));
  CHECK(run["wall_time_split"]["before_first"].get<double>() == Approx(0.0));

  const auto trace = nlohmann::json::parse(pipeline::comparison_trace(comparison));
  double task_ts = -1.0;
  double task_end = -1.0;
  int stage_slices = 0;
  for (const auto& event : trace["traceEvents"]) {
    if (event["ph"] != "X") continue;
    if (event["cat"] == "task") {
      task_ts = event["ts"].get<double>();
      task_end = task_ts + event["dur"].get<double>();
    }
  }
  for (const auto& event : trace["traceEvents"]) {
    if (event["ph"] != "X" || event["cat"] != "stage") continue;
    ++stage_slices;
    CHECK(event["tid"] == 1);  // the task's own track
    CHECK(event["ts"].get<double>() >= task_ts - 1e-6);
    CHECK(event["ts"].get<double>() + event["dur"].get<double>() <= task_end + 1e-6);
  }
  CHECK(stage_slices == 2);
}

TEST_CASE("the method line says whether the process pool's images went in place, by copy, or through pipes",
          "[report]") {
  const auto method_for = [](const std::string& transport, std::size_t in_place) {
    pipeline::Comparison comparison;
    pipeline::ComparisonRun baseline;
    baseline.batch = batch_of("sequential", 1, 0.0, 1.0, {task("a", 0, 0.0, 0.5), task("b", 0, 0.5, 1.0)});
    comparison.runs.push_back(baseline);
    auto pool = batch_of("processes", 2, 0.0, 0.6, {task("a", 0, 0.0, 0.5), task("b", 1, 0.0, 0.5)});
    pool.transport = transport;
    pool.in_place_tasks = in_place;
    pipeline::ComparisonRun run;
    run.batch = pool;
    comparison.runs.push_back(run);
    return pipeline::measurement_method(comparison);
  };
  CHECK_THAT(method_for("shm", 2), Contains("in shared memory, in place"));
  CHECK_THAT(method_for("shm", 0), Contains("copied in and out of each worker's segment"));
  CHECK_THAT(method_for("shm", 1), Contains("1 of 2 images in place, the others copied"));
  CHECK_THAT(method_for("pipe", 0), Contains("through pipes"));
}

TEST_CASE("the writers state the analysis they are given, and analyse the comparison themselves without one",
          "[report]") {
  pipeline::Comparison comparison;
  comparison.runs.resize(2);
  comparison.runs[0].batch = batch_of("sequential", 1, 0.0, 0.02, {task("a", 0, 0.0, 0.01), task("b", 0, 0.01, 0.02)});
  comparison.runs[0].seconds = {0.02, 0.02, 0.02};
  comparison.runs[1].batch =
      batch_of("threads", 2, 0.0, 0.0125, {task("a", 0, 0.0, 0.0125), task("b", 1, 0.0, 0.0125)});
  comparison.runs[1].seconds = {0.0125, 0.0125, 0.0125};
  comparison.runs[1].speedup = 1.6;  // Karp-Flatt 0.250
  comparison.runs[1].efficiency = 0.8;
  const pipeline::RunConditions conditions{};

  auto analysis = pipeline::analyse(comparison, conditions.machine.logical_cpus);
  CHECK(pipeline::format_comparison(comparison, conditions) ==
        pipeline::format_comparison(comparison, conditions, analysis));
  CHECK(pipeline::comparison_json(comparison, conditions) ==
        pipeline::comparison_json(comparison, conditions, analysis));
  CHECK(pipeline::comparison_csv(comparison) == pipeline::comparison_csv(comparison, analysis));
  CHECK(pipeline::comparison_markdown(comparison, conditions) ==
        pipeline::comparison_markdown(comparison, conditions, analysis));
  CHECK(pipeline::comparison_html(comparison, conditions) ==
        pipeline::comparison_html(comparison, conditions, analysis));

  // Figures no writer could derive from the comparison: each must come from the analysis.
  const std::string sentence = "A sentence only the given analysis holds.";
  analysis.observations = {sentence};
  analysis.runs[1].karp_flatt = 0.5;
  const std::string verdict = "A verdict only the given analysis holds.";
  analysis.verdict.sentence = verdict;
  const std::string text = pipeline::format_comparison(comparison, conditions, analysis);
  CHECK_THAT(text, Contains(sentence) && Contains(verdict));
  CHECK_THAT(line_of(text, "threads      |"), Contains("0.500") && !Contains("0.250"));
  const std::string markdown = pipeline::comparison_markdown(comparison, conditions, analysis);
  CHECK_THAT(markdown, Contains(sentence) && Contains(verdict));
  CHECK_THAT(line_of(markdown, "| threads |"), Contains("0.500"));
  CHECK_THAT(pipeline::comparison_html(comparison, conditions, analysis),
             Contains(sentence) && Contains(verdict) && Contains("<td>0.500</td>"));
  CHECK_THAT(pipeline::comparison_csv(comparison, analysis), Contains(",0.5,"));
  const auto json = nlohmann::json::parse(pipeline::comparison_json(comparison, conditions, analysis));
  CHECK(json["analysis"]["observations"][0] == sentence);
  CHECK(json["verdict"]["sentence"] == verdict);
  CHECK(json["runs"][1]["karp_flatt"].get<double>() == 0.5);
}
