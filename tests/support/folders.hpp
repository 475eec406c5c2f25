#pragma once
// What a folder holds, for the tests that check what a run left in one: its outputs, and nothing else.

#include <cstddef>
#include <filesystem>
#include <set>
#include <string>

namespace pipeline::test {

// The names of the entries of `folder` (none if it does not exist).
[[nodiscard]] std::set<std::string> files_in(const std::filesystem::path& folder);

// The hidden entries of `folder` (names that start with '.'): the temporary files of outputs being written
// (`.<name>.<pid>.<n>.tmp.png`, see write_png_atomic in image_io.hpp) and the CLI's probe that a folder takes new
// files. A run that is over has left none of them.
[[nodiscard]] std::set<std::string> hidden_files_in(const std::filesystem::path& folder);

// Finished outputs in `folder` so far: its PNG files that are not hidden (0 while it does not exist), so neither the
// temporaries of outputs still being written nor the CLI's probe count.
[[nodiscard]] std::size_t outputs_in(const std::filesystem::path& folder);

// Waits until `folder` holds a finished output (outputs_in), for a minute at most (sanitizer builds on a busy
// machine are slow): a run is under way. False if none came.
[[nodiscard]] bool wait_for_first_output(const std::filesystem::path& folder);

}  // namespace pipeline::test
