#include "help/one_of.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pipeline/closest_match.hpp"

namespace image_pipeline {

CLI::Validator one_of(std::vector<std::string> words) {
  const std::string description = fmt::format("{{{}}}", fmt::join(words, ","));
  return CLI::Validator(
      [words](std::string& value) -> std::string {
        if (std::find(words.begin(), words.end(), value) != words.end()) return "";
        const auto nearest = pipeline::closest_match(value, words);
        return fmt::format("unknown value '{}'{} (one of: {})", value,
                           nearest ? fmt::format("; did you mean '{}'?", *nearest) : std::string(),
                           fmt::join(words, ", "));
      },
      description);
}

}  // namespace image_pipeline
