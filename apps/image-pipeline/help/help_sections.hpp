#pragma once
// The parts of the long help (and of the man page) that are not options: examples, exit statuses, filters.

#include <string>
#include <vector>

namespace image_pipeline {

struct Example {
  std::string command;  // "" for the comparison, else the subcommand it shows: "run", "fetch"
  std::string line;     // what to type
  std::string what;     // what it does
};

// Real command lines, each of them runnable.
[[nodiscard]] const std::vector<Example>& examples();

struct FilterLine {
  std::string usage;        // "brightness[=FACTOR]"
  std::string description;  // "Multiplies ... (FACTOR: a number >= 0, default 1.2)"
};

// Every filter registered in this program, with its parameter, range and default (pipeline::registered_filter_docs).
[[nodiscard]] std::vector<FilterLine> filter_lines();

}  // namespace image_pipeline
