// Speedup, efficiency, the Karp-Flatt serial fraction, and the footprint counted from task records.
#include "pipeline/metrics.hpp"

#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "pipeline/executor.hpp"

namespace {

pipeline::TaskResult ran(std::int64_t pid, std::int64_t tid, int cpu_start, int cpu_end) {
  pipeline::TaskResult task;
  task.record.pid = pid;
  task.record.tid = tid;
  task.record.cpu_start = cpu_start;
  task.record.cpu_end = cpu_end;
  return task;
}

}  // namespace

TEST_CASE("speedup is T_sequential / T_parallel", "[metrics]") {
  CHECK(pipeline::speedup(10.0, 4.0) == 2.5);
  CHECK(pipeline::speedup(3.0, 3.0) == 1.0);
  CHECK(pipeline::speedup(1.0, 2.0) == 0.5);  // slower in parallel
  CHECK(pipeline::speedup(0.0, 2.0) == 0.0);
  // No parallel time to divide by: undefined, not infinite.
  CHECK(std::isnan(pipeline::speedup(1.0, 0.0)));
  CHECK(std::isnan(pipeline::speedup(1.0, -1.0)));
  CHECK(std::isnan(pipeline::speedup(1.0, std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("efficiency is speedup / workers", "[metrics]") {
  CHECK(pipeline::efficiency(2.5, 4) == 0.625);
  CHECK(pipeline::efficiency(3.0, 3) == 1.0);
  CHECK(pipeline::efficiency(1.0, 1) == 1.0);
  CHECK(pipeline::efficiency(1.5, 2) == 0.75);
  CHECK(std::isnan(pipeline::efficiency(1.0, 0)));
  CHECK(std::isnan(pipeline::efficiency(1.0, -2)));
}

TEST_CASE("karp_flatt is (1/S - 1/p) / (1 - 1/p)", "[metrics]") {
  // S = 1.6, p = 2: (0.625 - 0.5) / 0.5 = 0.25
  CHECK(pipeline::karp_flatt(1.6, 2) == Approx(0.25));
  // S = 3, p = 4: (1/3 - 1/4) / (3/4) = (1/12) / (3/4) = 1/9
  CHECK(pipeline::karp_flatt(3.0, 4) == Approx(1.0 / 9.0));
  // S = 2, p = 8: (0.5 - 0.125) / 0.875 = 3/7
  CHECK(pipeline::karp_flatt(2.0, 8) == Approx(3.0 / 7.0));
  // Perfect speedup: no serial part; no speedup at all: entirely serial.
  CHECK(pipeline::karp_flatt(4.0, 4) == Approx(0.0).margin(1e-15));
  CHECK(pipeline::karp_flatt(1.0, 4) == Approx(1.0));
  // Superlinear speedup gives a negative fraction, reported as is.
  CHECK(pipeline::karp_flatt(5.0, 4) < 0.0);
  // Undefined for one worker and for a speedup that is not positive.
  CHECK(std::isnan(pipeline::karp_flatt(1.0, 1)));
  CHECK(std::isnan(pipeline::karp_flatt(1.0, 0)));
  CHECK(std::isnan(pipeline::karp_flatt(0.0, 4)));
  CHECK(std::isnan(pipeline::karp_flatt(std::numeric_limits<double>::quiet_NaN(), 4)));
}

TEST_CASE("karp_flatt recovers the serial fraction of an Amdahl speedup", "[metrics]") {
  // Amdahl: S(p) = 1 / (f + (1 - f) / p). For f = 0.1, p = 4: 1 / (0.1 + 0.225) = 3.0769...
  for (const double f : {0.0, 0.05, 0.1, 0.5, 1.0}) {
    for (const int p : {2, 3, 4, 16}) {
      const double s = 1.0 / (f + (1.0 - f) / p);
      INFO("f = " << f << ", p = " << p);
      CHECK(pipeline::karp_flatt(s, p) == Approx(f).margin(1e-12));
    }
  }
}

TEST_CASE("footprint counts distinct processes, threads and cores over the records", "[metrics]") {
  pipeline::BatchResult batch;
  CHECK(pipeline::footprint(batch).processes == 0);
  CHECK(pipeline::footprint(batch).threads == 0);
  CHECK(pipeline::footprint(batch).cores == 0);

  batch.tasks.push_back(ran(100, 100, 0, 0));
  batch.tasks.push_back(ran(100, 101, 0, 1));     // same process, another thread, moved from cpu 0 to 1
  batch.tasks.push_back(ran(100, 101, 1, 1));     // same thread again
  batch.tasks.push_back(ran(200, 101, 2, -1));    // tid 101 again but in another process: another thread
  batch.tasks.push_back(ran(200, 202, -1, -1));   // cpu unknown: no core counted
  batch.tasks.push_back(pipeline::TaskResult{});  // never ran (pid 0): not counted at all
  const auto seen = pipeline::footprint(batch);
  CHECK(seen.processes == 2);
  CHECK(seen.threads == 4);  // (100,100), (100,101), (200,101), (200,202)
  CHECK(seen.cores == 3);    // 0, 1, 2
}

TEST_CASE("footprint counts failed tasks that ran", "[metrics]") {
  pipeline::BatchResult batch;
  auto task = ran(300, 301, 5, 6);
  task.record.error = "boom";
  batch.tasks.push_back(task);
  const auto seen = pipeline::footprint(batch);
  CHECK(seen.processes == 1);
  CHECK(seen.threads == 1);
  CHECK(seen.cores == 2);
}

TEST_CASE("durations for people are in milliseconds below a second, where seconds would hide the differences",
          "[metrics]") {
  CHECK(pipeline::format_duration(0.002) == "2.00 ms");
  CHECK(pipeline::format_duration(0.0021) == "2.10 ms");
  CHECK(pipeline::format_duration(0.0453) == "45.3 ms");
  CHECK(pipeline::format_duration(1.25) == "1.25 s");
}

TEST_CASE("sizes for people keep three significant digits in decimal units", "[metrics]") {
  CHECK(pipeline::format_bytes(0) == "0 B");
  CHECK(pipeline::format_bytes(999) == "999 B");
  CHECK(pipeline::format_bytes(61'440) == "61.4 kB");
  CHECK(pipeline::format_bytes(144'000'000) == "144 MB");
  CHECK(pipeline::format_bytes(1'536'000) == "1.54 MB");
  CHECK(pipeline::format_bytes(999'999) == "1.00 MB");
  CHECK(pipeline::format_bytes(2'000'000'000) == "2.00 GB");
  CHECK(pipeline::format_bytes(12'600'000'000) == "12.6 GB");
}
