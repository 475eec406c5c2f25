#pragma once
// "Did you mean ...?": the known word nearest to a mistyped one, by Damerau-Levenshtein distance (insertions,
// deletions, substitutions and swaps of two neighbours each count one), for the chain parser's unknown filters and
// the CLI's unknown options and commands.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipeline {

// The optimal-string-alignment form of the Damerau-Levenshtein distance: "blurr" -> "blur" 1, "rnu" -> "run" 1.
[[nodiscard]] std::size_t edit_distance(std::string_view from, std::string_view to);

// The candidate nearest to `word`, if near enough to be a typo: at most a third of the word's length away (at least
// one edit; none for a word of two characters or fewer), so "--worker" finds "--workers" but "-x" finds nothing. Ties
// go to the first candidate.
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       const std::vector<std::string>& candidates);

}  // namespace pipeline
