#pragma once
// For the tests whose executable is its own process-pool worker (ProcessPoolOptions::self_worker()) and makes its
// workers misbehave on purpose: crash, exit, hang, freeze, or die while writing an output. Each test registers the
// misdeeds it needs as filters, before pipeline::maybe_serve_worker(), so its workers run them.

#include <filesystem>
#include <functional>
#include <string>

#include "pipeline/image.hpp"

namespace pipeline::test {

// Images this wide are "marked": most misdeeds apply to them only.
inline constexpr int marked_width = 13;
[[nodiscard]] inline bool marked(const Image& image) noexcept { return image.width() == marked_width; }

// What a misbehaving filter does to each image before converting it to grey: given the image and the filter's
// parameter (`name=PARAMETER`, "" without one: typically a marker file or a folder). It may never return.
using Misdeed = std::function<void(const Image& input, const std::string& parameter)>;

// Registers the filter `name`: `misdeed`, then grey conversion.
void register_misbehaving_filter(const std::string& name, Misdeed misdeed);

// Creates `marker` and returns true the first time, across processes (O_EXCL): the first attempt misbehaves, the
// retry not.
[[nodiscard]] bool first_time(const std::string& marker);

// Writes what write_png_atomic (image_io.hpp) would have left of `output` in this process had it been killed
// between writing its temporary file and renaming it over `output`: that temporary file, with half a PNG in it.
// Returns its path.
std::filesystem::path leave_temporary_output(const std::filesystem::path& output);

// Whether every child of this process has been reaped: a pool left no worker behind.
[[nodiscard]] bool no_children_left();

}  // namespace pipeline::test
