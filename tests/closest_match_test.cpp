// "Did you mean": the edit distance and the nearest-word rule behind the CLI's and the chain parser's suggestions.
#include "pipeline/closest_match.hpp"

#include <catch2/catch.hpp>

using pipeline::closest_match;
using pipeline::edit_distance;

TEST_CASE("the edit distance counts insertions, deletions, substitutions and swapped neighbours as one each",
          "[closest_match]") {
  CHECK(edit_distance("blur", "blur") == 0);
  CHECK(edit_distance("blurr", "blur") == 1);          // deletion
  CHECK(edit_distance("--worker", "--workers") == 1);  // insertion
  CHECK(edit_distance("sobol", "sobel") == 1);         // substitution
  CHECK(edit_distance("rnu", "run") == 1);             // swap: two for plain Levenshtein
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("the nearest candidate is suggested only when near enough for a typo", "[closest_match]") {
  const std::vector<std::string> filters{"blur", "brightness", "grayscale", "sharpen", "sobel"};
  CHECK(closest_match("blurr", filters) == "blur");
  CHECK(closest_match("greyscale", filters) == "grayscale");
  CHECK(closest_match("emboss", filters) == std::nullopt);
  CHECK(closest_match("--wrokers", {"--workers", "--warmup"}) == "--workers");
  CHECK(closest_match("-x", {"-h", "-v"}) == std::nullopt);  // too short for a guess to mean anything
  CHECK(closest_match("anything", {}) == std::nullopt);
}
