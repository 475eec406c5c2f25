// The running median behind the process pool's task timeout (ProcessPoolOptions::TaskTimeout::median_multiple):
// private to the library (libpipeline/src/process_pool/running_median.hpp), checked here against a median computed
// by sorting.
#include "process_pool/running_median.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

using pipeline::detail::RunningMedian;

namespace {

// The median by sorting: the middle value of an odd count, the mean of the two middle ones of an even count.
double sorted_median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

RunningMedian median_of(const std::vector<double>& values) {
  RunningMedian median;
  for (const double value : values) median.add(value);
  return median;
}

// Deterministic pseudo-random values: multiples of 0.25 in [0, 250), many repeated.
std::vector<double> pseudo_random(std::size_t count, std::uint64_t seed) {
  std::vector<double> values;
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < count; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    values.push_back(static_cast<double>((state >> 33) % 1000) / 4.0);
  }
  return values;
}

}  // namespace

TEST_CASE("an empty running median is empty and reads 0", "[running-median]") {
  const RunningMedian median;
  CHECK(median.empty());
  CHECK(median.median() == 0.0);
}

TEST_CASE("the running median of an odd count is its middle value", "[running-median]") {
  CHECK(median_of({7.0}).median() == 7.0);
  CHECK_FALSE(median_of({7.0}).empty());
  CHECK(median_of({3.0, 1.0, 2.0}).median() == 2.0);
  CHECK(median_of({0.5, 9.0, 0.1, 0.2, 100.0}).median() == 0.5);
  CHECK(median_of({-4.0, -1.0, -3.0}).median() == -3.0);
}

TEST_CASE("the running median of an even count is the mean of its two middle values", "[running-median]") {
  CHECK(median_of({1.0, 2.0}).median() == 1.5);
  CHECK(median_of({2.0, 1.0}).median() == 1.5);
  CHECK(median_of({4.0, 1.0, 3.0, 2.0}).median() == 2.5);
  CHECK(median_of({0.02, 0.02, 0.02, 1.0}).median() == 0.02);  // one slow task does not move it
  CHECK(median_of({1.0, 100.0, 1.0, 100.0}).median() == 50.5);
}

TEST_CASE("the running median counts duplicates as values of their own", "[running-median]") {
  CHECK(median_of({5.0, 5.0, 5.0}).median() == 5.0);
  CHECK(median_of({1.0, 5.0, 5.0, 9.0}).median() == 5.0);
  CHECK(median_of({1.0, 1.0, 1.0, 9.0, 9.0}).median() == 1.0);
  CHECK(median_of({1.0, 1.0, 9.0, 9.0, 9.0}).median() == 9.0);
  CHECK(median_of({2.0, 2.0, 3.0, 3.0}).median() == 2.5);
}

TEST_CASE("the running median does not depend on the order of the values", "[running-median]") {
  std::vector<double> values{0.3, 8.0, 1.5, 1.5, 42.0, 0.0, 7.25, 3.0};
  const double expected = sorted_median(values);
  std::sort(values.begin(), values.end());
  CHECK(median_of(values).median() == expected);  // ascending
  std::reverse(values.begin(), values.end());
  CHECK(median_of(values).median() == expected);  // descending
  for (int permutation = 0; permutation < 20; ++permutation) {
    std::next_permutation(values.begin(), values.end());
    INFO("permutation " << permutation);
    CHECK(median_of(values).median() == expected);
  }
}

TEST_CASE("the running median is right after every value of a long stream", "[running-median]") {
  const std::vector<double> values = pseudo_random(2'001, 42);
  RunningMedian median;
  std::vector<double> so_far;
  for (std::size_t i = 0; i < values.size(); ++i) {
    median.add(values[i]);
    so_far.push_back(values[i]);
    if (median.median() != sorted_median(so_far)) {
      FAIL_CHECK("after " << so_far.size() << " values: " << median.median() << " instead of "
                          << sorted_median(so_far));
      break;
    }
  }
}

TEST_CASE("the running median of a large count, sorted or not", "[running-median]") {
  std::vector<double> values = pseudo_random(200'000, 7);
  const double expected = sorted_median(values);
  CHECK(median_of(values).median() == expected);
  std::sort(values.begin(), values.end());
  CHECK(median_of(values).median() == expected);
  values.push_back(1e9);  // an odd count now: the upper of the two middle values
  CHECK(median_of(values).median() == values[values.size() / 2]);
}
