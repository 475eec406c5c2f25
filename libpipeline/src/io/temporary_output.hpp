#pragma once
// Private to the library: the temporary file write_png_atomic (image_io.hpp) writes an output to before renaming
// it over the output, `.<file name>.<pid>.<n>.tmp.png` beside it. A process killed in between leaves that file,
// never a partial output; the process pool removes what a dead worker left (pool_run.cpp). One naming for both.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace pipeline::detail {

[[nodiscard]] inline std::string temporary_output_prefix(const std::filesystem::path& output, std::int64_t pid) {
  return fmt::format(".{}.{}.", output.filename().string(), pid);
}

inline constexpr std::string_view temporary_output_suffix = ".tmp.png";

// The `n`th temporary file process `pid` makes for `output`.
[[nodiscard]] inline std::filesystem::path temporary_output_path(const std::filesystem::path& output, std::int64_t pid,
                                                                 unsigned n) {
  return output.parent_path() / fmt::format("{}{}{}", temporary_output_prefix(output, pid), n, temporary_output_suffix);
}

// Whether the file called `name` is one of the temporary files process `pid` made for `output`.
[[nodiscard]] inline bool is_temporary_output(std::string_view name, const std::filesystem::path& output,
                                              std::int64_t pid) {
  const std::string prefix = temporary_output_prefix(output, pid);
  return name.size() > prefix.size() + temporary_output_suffix.size() && name.starts_with(prefix) &&
         name.ends_with(temporary_output_suffix);
}

}  // namespace pipeline::detail
