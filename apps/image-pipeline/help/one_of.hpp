#pragma once
// A CLI11 validator that accepts one of a list of words, like CLI::IsMember (whose "{a,b}" description it shares,
// so option_facts.hpp reads its choices alike), and names the nearest word when it refuses one:
// "unknown value 'rnu'; did you mean 'run'? (one of: run, fetch)".

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace image_pipeline {

[[nodiscard]] CLI::Validator one_of(std::vector<std::string> words);

}  // namespace image_pipeline
