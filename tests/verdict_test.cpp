// The verdict, the reports' first line: which configuration to use, by how much and how sure, from hand-made
// measurements: a clear winner, overlapping repeats, one repeat, no sequential run, and nothing to compare.
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pipeline/analysis.hpp"
#include "pipeline/report.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Kind = pipeline::Verdict::Kind;

namespace {

// A configuration whose measured runs took `repeats` seconds, against a sequential median of `sequential`.
pipeline::ComparisonRun measured(const std::string& executor, int workers, std::vector<double> repeats,
                                 double sequential = 1.0) {
  pipeline::ComparisonRun run;
  run.batch.executor = executor;
  run.batch.workers = workers;
  run.repeat_seconds = repeats;
  run.seconds = pipeline::spread_of(repeats);
  run.batch.start_s = run.batch.ready_s = 100.0;
  run.batch.end_s = 100.0 + run.seconds.median;
  run.speedup = sequential / run.seconds.median;
  run.efficiency = run.speedup / workers;
  return run;
}

pipeline::Comparison comparison_of_runs(std::vector<pipeline::ComparisonRun> runs) {
  pipeline::Comparison comparison;
  comparison.runs = std::move(runs);
  comparison.repeats = static_cast<int>(comparison.runs.front().repeat_seconds.size());
  return comparison;
}

}  // namespace

TEST_CASE("a configuration whose repeats are clear of every other's is the winner, with its speedup and spread",
          "[verdict]") {
  const auto comparison =
      comparison_of_runs({measured("sequential", 1, {0.99, 1.0, 1.01}), measured("threads", 2, {0.51, 0.52, 0.53}),
                          measured("processes", 2, {0.54, 0.55, 0.56})});
  const auto verdict = pipeline::verdict(comparison);
  CHECK(verdict.kind == Kind::winner);
  REQUIRE(verdict.fastest.size() == 1);
  CHECK(verdict.fastest[0] == 1);
  CHECK(verdict.speedup == Approx(1.0 / 0.52));
  CHECK(verdict.spread == Approx(0.01 / 0.52));
  REQUIRE(verdict.runner_up.has_value());
  CHECK(*verdict.runner_up == 2);
  CHECK(verdict.runner_up_slower == Approx(0.55 / 0.52 - 1.0));
  CHECK(verdict.sentence ==
        "Use threads with 2 workers: 1.92x sequential (repeats within ±2%); processes x2 is 6% slower.");
}

TEST_CASE("sequential is the verdict when every parallel configuration is clearly slower", "[verdict]") {
  const auto comparison =
      comparison_of_runs({measured("sequential", 1, {0.99, 1.0, 1.01}), measured("processes", 2, {1.3, 1.4, 1.5})});
  const auto verdict = pipeline::verdict(comparison);
  CHECK(verdict.kind == Kind::winner);
  CHECK(verdict.fastest == std::vector<std::size_t>{0});
  CHECK(std::isnan(verdict.speedup));  // no "1.00x sequential" for sequential itself
  CHECK_THAT(verdict.sentence, StartsWith("Use sequential: 1.00 s, faster than every parallel configuration") &&
                                   Contains("processes x2 is 40% slower"));
}

TEST_CASE("where the fastest configurations' repeats overlap there is no winner: they are named as indistinguishable",
          "[verdict]") {
  const auto comparison =
      comparison_of_runs({measured("sequential", 1, {0.99, 1.0, 1.01}), measured("threads", 2, {0.50, 0.52, 0.56}),
                          measured("processes", 2, {0.53, 0.54, 0.58}), measured("threads", 1, {0.95, 1.0, 1.02})});
  const auto verdict = pipeline::verdict(comparison);
  CHECK(verdict.kind == Kind::indistinguishable);
  CHECK(verdict.fastest == std::vector<std::size_t>{1, 2});
  CHECK_FALSE(verdict.runner_up.has_value());
  CHECK_THAT(verdict.sentence, StartsWith("No single winner: threads x2 and processes x2 are indistinguishable") &&
                                   Contains("1.85x to 1.92x sequential"));
  CHECK_THAT(verdict.sentence, !Contains("Use "));
}

TEST_CASE("sequential tied with the fastest says that the workers buy nothing measurable", "[verdict]") {
  const auto comparison =
      comparison_of_runs({measured("sequential", 1, {0.9, 1.0, 1.1}), measured("threads", 2, {0.95, 0.98, 1.2})});
  const auto verdict = pipeline::verdict(comparison);
  CHECK(verdict.kind == Kind::indistinguishable);
  CHECK_THAT(verdict.sentence, Contains("parallel workers buy nothing measurable here"));
}

TEST_CASE("with one measured run per configuration the fastest is named and the spread said to be unknown",
          "[verdict]") {
  const auto comparison = comparison_of_runs(
      {measured("sequential", 1, {1.0}), measured("threads", 2, {0.5}), measured("processes", 2, {0.6})});
  const auto verdict = pipeline::verdict(comparison);
  CHECK(verdict.kind == Kind::spread_unknown);
  CHECK(verdict.fastest == std::vector<std::size_t>{1});
  CHECK(std::isnan(verdict.spread));
  CHECK_THAT(verdict.sentence, StartsWith("Fastest on this run: threads with 2 workers, 2.00x sequential") &&
                                   Contains("spread is unknown") && Contains("processes x2 was 20% slower"));
  CHECK_THAT(verdict.sentence, !Contains("Use "));
}

TEST_CASE("without a sequential run the verdict names the fastest by its time and claims no speedup", "[verdict]") {
  auto threads = measured("threads", 2, {0.050, 0.051, 0.052});
  auto processes = measured("processes", 2, {0.060, 0.061, 0.062});
  threads.speedup = processes.speedup = std::nan("");
  const auto verdict = pipeline::verdict(comparison_of_runs({processes, threads}));
  CHECK(verdict.kind == Kind::winner);
  CHECK(verdict.fastest == std::vector<std::size_t>{1});
  CHECK(std::isnan(verdict.speedup));
  CHECK_THAT(verdict.sentence, StartsWith("Use threads with 2 workers: 51.0 ms (no sequential run, so no speedup") &&
                                   !Contains("x sequential"));
}

TEST_CASE("a configuration with failed tasks or differing outputs is never recommended", "[verdict]") {
  auto failed = measured("threads", 2, {0.3, 0.3, 0.3});
  failed.failed_tasks = 1;
  auto differing = measured("processes", 2, {0.4, 0.4, 0.4});
  differing.identical_to_sequential = false;
  const auto verdict = pipeline::verdict(comparison_of_runs(
      {measured("sequential", 1, {1.0, 1.0, 1.0}), failed, differing, measured("threads", 4, {0.6, 0.6, 0.6})}));
  CHECK(verdict.kind == Kind::winner);
  CHECK(verdict.fastest == std::vector<std::size_t>{3});
}

TEST_CASE("one configuration, or none that ran cleanly, gives no recommendation", "[verdict]") {
  SECTION("a single configuration") {
    const auto verdict = pipeline::verdict(comparison_of_runs({measured("threads", 2, {0.5, 0.5})}));
    CHECK(verdict.kind == Kind::nothing_to_compare);
    CHECK(verdict.fastest.empty());
    CHECK_THAT(verdict.sentence, StartsWith("One configuration only (threads x2, 500.0 ms)"));
  }
  SECTION("every configuration failed") {
    auto sequential = measured("sequential", 1, {1.0});
    auto threads = measured("threads", 2, {0.5});
    sequential.failed_tasks = threads.failed_tasks = 2;
    const auto verdict = pipeline::verdict(comparison_of_runs({sequential, threads}));
    CHECK(verdict.kind == Kind::nothing_to_compare);
    CHECK_THAT(verdict.sentence, StartsWith("No recommendation: every configuration had failed tasks"));
  }
  SECTION("no runs") { CHECK(pipeline::verdict(pipeline::Comparison{}).kind == Kind::nothing_to_compare); }
}

TEST_CASE("every report states the verdict first", "[verdict][report]") {
  const auto comparison =
      comparison_of_runs({measured("sequential", 1, {0.99, 1.0, 1.01}), measured("threads", 2, {0.51, 0.52, 0.53}),
                          measured("processes", 2, {0.54, 0.55, 0.56})});
  const pipeline::RunConditions conditions{};
  const auto analysis = pipeline::analyse(comparison, 2);
  const std::string& sentence = analysis.verdict.sentence;
  REQUIRE_THAT(sentence, StartsWith("Use threads with 2 workers"));

  const std::string text = pipeline::format_comparison(comparison, conditions, analysis);
  CHECK(text.substr(0, text.find('\n')) == sentence);

  const std::string markdown = pipeline::comparison_markdown(comparison, conditions, analysis);
  CHECK(markdown.find(sentence) < markdown.find("- Dataset"));

  const std::string html = pipeline::comparison_html(comparison, conditions, analysis);
  CHECK_THAT(html, Contains("<p id=\"verdict\" class=\"verdict\">" + sentence + "</p>"));
  CHECK(html.find("id=\"verdict\"") < html.find("id=\"conditions\""));

  const auto json = nlohmann::json::parse(pipeline::comparison_json(comparison, conditions, analysis));
  const auto& verdict = json.at("verdict");
  CHECK(verdict.at("kind") == "winner");
  CHECK(verdict.at("sentence") == sentence);
  CHECK(verdict.at("fastest") == nlohmann::json::parse(R"([{"executor": "threads", "workers": 2}])"));
  CHECK(verdict.at("speedup").get<double>() == Approx(1.0 / 0.52));
  CHECK(verdict.at("runner_up") == nlohmann::json::parse(R"({"executor": "processes", "workers": 2})"));
}
