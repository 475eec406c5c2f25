// The analysis of a comparison: Amdahl fits, transfer cost and observations, from hand-made measurements.
#include "pipeline/analysis.hpp"

#include <cmath>

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;

namespace {

// A run of `executor` at `workers` whose median time is `seconds`, against a 1-second baseline.
pipeline::ComparisonRun measured(const std::string& executor, int workers, double seconds) {
  pipeline::ComparisonRun run;
  run.batch.executor = executor;
  run.batch.workers = workers;
  run.batch.start_s = 100.0;
  run.batch.ready_s = 100.0;
  run.batch.end_s = 100.0 + seconds;
  run.seconds = {seconds, seconds, seconds};
  run.speedup = 1.0 / seconds;
  run.efficiency = run.speedup / workers;
  run.observed = {1, static_cast<std::size_t>(workers), 2};
  return run;
}

pipeline::Comparison comparison_of(std::vector<pipeline::ComparisonRun> runs) {
  pipeline::Comparison comparison;
  comparison.runs.push_back(measured("sequential", 1, 1.0));
  for (auto& run : runs) comparison.runs.push_back(std::move(run));
  return comparison;
}

}  // namespace

TEST_CASE("the Amdahl fit recovers the parallel fraction of an exact Amdahl curve", "[analysis]") {
  const double p = 0.9;
  const auto comparison = comparison_of({measured("threads", 2, 1.0 / pipeline::amdahl_speedup(p, 2)),
                                         measured("threads", 4, 1.0 / pipeline::amdahl_speedup(p, 4)),
                                         measured("threads", 8, 1.0 / pipeline::amdahl_speedup(p, 8))});
  const auto fits = pipeline::fit_amdahl(comparison);
  REQUIRE(fits.size() == 1);
  CHECK(fits[0].executor == "threads");
  CHECK(fits[0].points == 3);
  CHECK(fits[0].parallel_fraction == Approx(0.9));
  CHECK(fits[0].max_speedup == Approx(10.0));
  CHECK(fits[0].largest_workers == 8);
  // S(16) = 1 / (0.1 + 0.9 / 16) = 6.4; S(32) = 1 / (0.1 + 0.9 / 32) = 7.8049
  CHECK(fits[0].predicted_at_2x == Approx(6.4));
  CHECK(fits[0].predicted_at_4x == Approx(7.8049).epsilon(1e-4));
}

TEST_CASE("Amdahl's law at hand-computed points", "[analysis]") {
  CHECK(pipeline::amdahl_speedup(0.5, 2) == Approx(1.0 / 0.75));
  CHECK(pipeline::amdahl_speedup(1.0, 4) == Approx(4.0));
  CHECK(pipeline::amdahl_speedup(0.0, 64) == Approx(1.0));
}

TEST_CASE("a paradigm slower than sequential is no Amdahl fit: P clamped to 0, and runs at 1 worker are not fitted",
          "[analysis]") {
  const auto comparison = comparison_of({measured("processes", 1, 3.0), measured("processes", 2, 2.0)});
  const auto fits = pipeline::fit_amdahl(comparison);
  REQUIRE(fits.size() == 1);
  CHECK(fits[0].points == 1);
  // x = 1 - 1/2 = 0.5, y = 1 - 1/0.5 = -1: least squares P = -2, outside what a fraction can be.
  CHECK(fits[0].least_squares_p == Approx(-2.0));
  CHECK(fits[0].parallel_fraction == 0.0);
  CHECK(fits[0].kind == pipeline::AmdahlFit::Kind::no_speedup);
  CHECK_THAT(pipeline::describe_fit(fits[0]), Contains("no faster than sequential"));
}

TEST_CASE("one worker count is an estimate, not a fit: it predicts nothing", "[analysis]") {
  const auto fits = pipeline::fit_amdahl(comparison_of({measured("threads", 2, 0.6)}), 2);
  REQUIRE(fits.size() == 1);
  CHECK(fits[0].kind == pipeline::AmdahlFit::Kind::single_point);
  CHECK(fits[0].parallel_fraction == Approx(0.8));  // 1 - 1/S = P (1 - 1/2) with S = 1/0.6: 0.4 = P / 2
  CHECK(std::isnan(fits[0].predicted_at_2x));
  CHECK(std::isnan(fits[0].max_speedup));
  const std::string said = pipeline::describe_fit(fits[0]);
  CHECK_THAT(said, Contains("estimated from one worker count (2): not a fit"));
  CHECK_FALSE(said.find("x at ") != std::string::npos);  // no "4.89x at 4 workers"
  CHECK_FALSE(said.find("max speedup") != std::string::npos);
}

TEST_CASE("a superlinear paradigm gets no fraction above 1 and no unbounded prediction", "[analysis]") {
  // 2.2x at 2 workers and 4.4x at 4 (the held-out photos gave P = 1.061 this way): least squares P > 1.
  const auto fits =
      pipeline::fit_amdahl(comparison_of({measured("threads", 2, 1.0 / 2.2), measured("threads", 4, 1.0 / 4.4)}), 2);
  REQUIRE(fits.size() == 1);
  CHECK(fits[0].least_squares_p > 1.0);
  CHECK(fits[0].parallel_fraction == 1.0);
  CHECK(fits[0].kind == pipeline::AmdahlFit::Kind::superlinear);
  CHECK(std::isnan(fits[0].predicted_at_4x));
  const std::string said = pipeline::describe_fit(fits[0]);
  CHECK_THAT(said, Contains("superlinear") && Contains("Amdahl's law does not apply"));
  CHECK_FALSE(said.find("unbounded") != std::string::npos);
  CHECK_FALSE(said.find("x at ") != std::string::npos);
  CHECK(pipeline::karp_flatt_text(2.2, 2) == "super");
  CHECK(pipeline::karp_flatt_text(0.5, 2) == "slower");
  CHECK(pipeline::karp_flatt_text(1.6, 2) == "0.250");
  CHECK(pipeline::karp_flatt_text(1.0, 1) == "-");
}

TEST_CASE("predictions past the logical CPUs say that the machine caps them", "[analysis]") {
  const double p = 0.9;
  const auto comparison = comparison_of({measured("threads", 2, 1.0 / pipeline::amdahl_speedup(p, 2)),
                                         measured("threads", 4, 1.0 / pipeline::amdahl_speedup(p, 4))});
  const auto on_two = pipeline::fit_amdahl(comparison, 2);
  REQUIRE(on_two.size() == 1);
  CHECK(on_two[0].kind == pipeline::AmdahlFit::Kind::fitted);
  CHECK(on_two[0].machine_cap == Approx(pipeline::amdahl_speedup(p, 2)));
  CHECK_THAT(pipeline::describe_fit(on_two[0]),
             Contains("predicted 4.71x at 8 workers") && Contains("this machine's 2 logical CPUs cap it at 1.82x"));
  const auto on_many = pipeline::fit_amdahl(comparison, 64);  // 8 and 16 workers fit on 64 CPUs: nothing to cap
  CHECK(std::isnan(on_many[0].machine_cap));
  CHECK_FALSE(pipeline::describe_fit(on_many[0]).find("cap") != std::string::npos);
}

TEST_CASE("the process pool's transfer share and rate come from its task records", "[analysis]") {
  auto run = measured("processes", 2, 0.5);
  for (int i = 0; i < 2; ++i) {
    pipeline::TaskResult task;
    task.record.start_s = 0.0;
    task.record.end_s = 0.3;       // filtering
    task.record.transfer_s = 0.1;  // moving data
    task.record.bytes_sent = 3'000'000;
    task.record.bytes_received = 1'000'000;
    run.batch.tasks.push_back(task);
  }
  const auto costs = pipeline::transfer_costs(comparison_of({run}));
  REQUIRE(costs.size() == 1);
  CHECK(costs[0].workers == 2);
  CHECK(costs[0].transfer_share == Approx(0.25));  // 0.2 / (0.2 + 0.6)
  CHECK(costs[0].bytes_per_image == Approx(4'000'000));
  CHECK(costs[0].megabytes_per_second == Approx(40.0));  // 8 MB in 0.2 s
}

TEST_CASE("the transfer sentence gives a rate for copied pixels, and only the frames' bytes when they went in place",
          "[analysis]") {
  auto run = measured("processes", 2, 0.5);
  for (int i = 0; i < 2; ++i) {
    pipeline::TaskResult task;
    task.record.end_s = 0.3;
    task.record.transfer_s = 0.1;
    task.record.bytes_sent = 3'000'000;
    task.record.bytes_received = 1'000'000;
    run.batch.tasks.push_back(task);
  }
  const auto sentence_about_transfer = [](const std::vector<std::string>& said) {
    for (const auto& sentence : said) {
      if (sentence.find("moving data took") != std::string::npos) return sentence;
    }
    return std::string();
  };
  CHECK_THAT(sentence_about_transfer(pipeline::observations(comparison_of({run}), 2)),
             Contains("moving data took 25% of the task time (4.0 MB per image at 40 MB/s)"));

  for (auto& task : run.batch.tasks) {
    task.record.bytes_sent = 120;
    task.record.bytes_received = 100;
  }
  run.batch.in_place_tasks = run.batch.tasks.size();
  CHECK_THAT(sentence_about_transfer(pipeline::observations(comparison_of({run}), 2)),
             Contains("(frames only, 220 bytes per image: the pixels stayed in shared image memory)"));
}

TEST_CASE("observations state what was measured, whichever paradigm won", "[analysis]") {
  SECTION("threads fastest and scaling, processes not") {
    auto processes = measured("processes", 2, 1.5);
    processes.startup_s = 0.6;
    const auto said = pipeline::observations(comparison_of({processes, measured("threads", 2, 0.55)}), 2);
    REQUIRE(said.size() >= 3);
    CHECK_THAT(said[0], Contains("At 2 worker(s), threads were fastest") && Contains("1.82x sequential") &&
                            Contains("2.73x faster than processes"));
    bool processes_did_not_scale = false;
    bool threads_scaled = false;
    bool startup_stated = false;
    for (const auto& sentence : said) {
      processes_did_not_scale |= sentence.find("processes did not scale") != std::string::npos;
      threads_scaled |= sentence.find("threads scaled: up to 1.82x with 2 workers") != std::string::npos;
      startup_stated |= sentence.find(
                            "starting the workers took 600.0 ms (once per pool, not in the times; a one-off batch "
                            "with start-up would take 2.10 s, 0.48x sequential)") != std::string::npos;
    }
    CHECK(processes_did_not_scale);
    CHECK(threads_scaled);
    CHECK(startup_stated);
  }
  SECTION("one paradigm at a worker count is not called fastest, least of all when slower than sequential") {
    const auto said = pipeline::observations(comparison_of({measured("mpi", 2, 1.15)}), 2);
    REQUIRE_FALSE(said.empty());
    CHECK_THAT(said[0], Contains("At 2 worker(s), mpi alone: ") && Contains("0.87x sequential"));
    for (const auto& sentence : said) CHECK(sentence.find("fastest") == std::string::npos);
  }
  SECTION("processes fastest, threads not scaling: the words follow the data") {
    const auto said =
        pipeline::observations(comparison_of({measured("processes", 2, 0.6), measured("threads", 2, 0.95)}), 2);
    CHECK_THAT(said[0], Contains("processes were fastest"));
    bool threads_did_not_scale = false;
    for (const auto& sentence : said)
      threads_did_not_scale |= sentence.find("threads did not scale") != std::string::npos;
    CHECK(threads_did_not_scale);
  }
  SECTION("more workers than CPUs: helped or not, as measured") {
    const auto helped =
        pipeline::observations(comparison_of({measured("threads", 2, 0.6), measured("threads", 4, 0.5)}), 2);
    const auto not_helped =
        pipeline::observations(comparison_of({measured("threads", 2, 0.5), measured("threads", 4, 0.6)}), 2);
    CHECK_THAT(helped.back(), Contains("threads with more workers than the 2 logical CPUs helped"));
    CHECK_THAT(not_helped.back(), Contains("did not help"));
    auto noisy_two = measured("threads", 2, 0.5);
    noisy_two.seconds = {0.5, 0.45, 0.7};
    auto noisy_four = measured("threads", 4, 0.48);
    noisy_four.seconds = {0.48, 0.40, 0.9};
    const auto unclear = pipeline::observations(comparison_of({noisy_two, noisy_four}), 2);
    CHECK_THAT(unclear.back(), Contains("made no clear difference"));
  }
}

TEST_CASE("the wall time split says how long each worker waited, filtered and idled, averaged over the workers",
          "[analysis]") {
  pipeline::BatchResult batch;
  batch.workers = 2;
  batch.start_s = 10.0;
  batch.end_s = 20.0;  // 10 s of wall time
  const auto task = [](int worker, double start, double end) {
    pipeline::TaskResult result;
    result.record.worker = worker;
    result.record.start_s = start;
    result.record.end_s = end;
    return result;
  };
  // Worker 0: waits 1 s, filters 3 s, idles 1 s, filters 4 s, then 1 s after its last task.
  batch.tasks.push_back(task(0, 11.0, 14.0));
  batch.tasks.push_back(task(0, 15.0, 19.0));
  // Worker 1: filters from the start to the end in one task.
  batch.tasks.push_back(task(1, 10.0, 20.0));
  // A task that never ran has no interval and counts for nothing.
  batch.tasks.push_back(task(1, 0.0, 0.0));

  const auto split = pipeline::wall_time_split(batch);
  CHECK(split.before_first == Approx((0.1 + 0.0) / 2));
  CHECK(split.filtering == Approx((0.7 + 1.0) / 2));
  CHECK(split.between == Approx((0.1 + 0.0) / 2));
  CHECK(split.after_last == Approx((0.1 + 0.0) / 2));
  CHECK(split.before_first + split.filtering + split.between + split.after_last == Approx(1.0));

  SECTION("a worker that got no task waited throughout") {
    batch.workers = 3;
    const auto three = pipeline::wall_time_split(batch);
    CHECK(three.before_first == Approx((0.1 + 0.0 + 1.0) / 3));
    CHECK(three.filtering == Approx(1.7 / 3));
  }
}

TEST_CASE("the observations say where each parallel run's wall time went", "[analysis]") {
  auto run = measured("processes", 2, 0.5);
  run.batch.tasks.resize(2);
  run.batch.tasks[0].record = {};
  run.batch.tasks[0].record.worker = 0;
  run.batch.tasks[0].record.start_s = 100.1;
  run.batch.tasks[0].record.end_s = 100.5;  // 80% filtering, 20% before its first task
  run.batch.tasks[1].record.worker = 1;
  run.batch.tasks[1].record.start_s = 100.0;
  run.batch.tasks[1].record.end_s = 100.4;  // 80% filtering, 20% after its last
  const auto said = pipeline::observations(comparison_of({run}), 2);
  bool found = false;
  for (const auto& sentence : said) {
    if (sentence.starts_with("Processes x2, the median run:")) {
      found = true;
      CHECK_THAT(
          sentence,
          Contains("80% of the wall time filtering, 10% before their first task, 0% between one task and the next, "
                   "10% after their last"));
    }
  }
  CHECK(found);
}

TEST_CASE("one analysis holds what each of its parts computes on its own", "[analysis]") {
  auto pool = measured("processes", 2, 0.5);
  pool.batch.tasks.resize(2);
  for (int i = 0; i < 2; ++i) {
    pipeline::TaskRecord& record = pool.batch.tasks[static_cast<std::size_t>(i)].record;
    record.worker = i;
    record.start_s = 100.0;
    record.end_s = 100.4;
    record.transfer_s = 0.1;
    record.bytes_sent = 2'000'000;
    record.pixels = 1'000'000;
    record.stages = {{"blur", 100.0, 100.3}};
  }
  const auto comparison = comparison_of({pool, measured("threads", 2, 0.6), measured("threads", 4, 0.4)});
  const auto analysis = pipeline::analyse(comparison, 2);

  REQUIRE(analysis.runs.size() == comparison.runs.size());
  CHECK(std::isnan(analysis.runs[0].karp_flatt));  // one worker: undefined
  for (std::size_t r = 0; r < comparison.runs.size(); ++r) {
    const auto& run = comparison.runs[r];
    if (r > 0) CHECK(analysis.runs[r].karp_flatt == pipeline::karp_flatt(run.speedup, run.batch.workers));
    CHECK(analysis.runs[r].stages.size() == pipeline::stage_totals(run.batch).size());
    CHECK(analysis.runs[r].wall_time.filtering == pipeline::wall_time_split(run.batch).filtering);
  }
  const auto fits = pipeline::fit_amdahl(comparison, 2);
  REQUIRE(analysis.fits.size() == fits.size());
  for (std::size_t i = 0; i < fits.size(); ++i)
    CHECK(pipeline::describe_fit(analysis.fits[i]) == pipeline::describe_fit(fits[i]));
  CHECK(analysis.karp_flatt_notes == pipeline::karp_flatt_notes(comparison));
  REQUIRE(analysis.transfer.size() == 1);
  CHECK(analysis.transfer[0].transfer_share == pipeline::transfer_costs(comparison)[0].transfer_share);
  CHECK(analysis.stages.stages == pipeline::stage_table(comparison).stages);
  CHECK(analysis.observations == pipeline::observations(comparison, 2));
  CHECK(analysis.method == pipeline::measurement_method(comparison));
  CHECK_FALSE(analysis.observations.empty());
}

TEST_CASE("a Karp-Flatt cell from the serial fraction itself", "[analysis]") {
  CHECK(pipeline::karp_flatt_cell(pipeline::karp_flatt(1.6, 2)) == "0.250");
  CHECK(pipeline::karp_flatt_cell(-0.1) == "super");
  CHECK(pipeline::karp_flatt_cell(1.1) == "slower");
  CHECK(pipeline::karp_flatt_cell(std::nan("")) == "-");
}
