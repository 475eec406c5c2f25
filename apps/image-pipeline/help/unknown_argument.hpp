#pragma once
// "unknown option '--worker'; did you mean '--workers'?": what CLI11 left unparsed, named with the nearest option
// or command (pipeline/closest_match.hpp), instead of CLI11's "The following arguments were not expected".

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace image_pipeline {

// After a failed app.parse(arguments): the message for the first unknown option, or unknown command word, that
// the parse left over, followed by the usage of the command it was given to and a pointer to its -h; nullopt if
// the failure had another cause.
[[nodiscard]] std::optional<std::string> unknown_argument_message(const CLI::App& app,
                                                                  const std::vector<std::string>& arguments);

}  // namespace image_pipeline
