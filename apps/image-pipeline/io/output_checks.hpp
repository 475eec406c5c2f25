#pragma once
// Where the CLI writes (report files, output folders), checked before any image is loaded or processed: a path
// that cannot be written fails at once with the OS's reason, not after the whole run. And the report files'
// atomic write at the end.
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace image_pipeline {

// An output path that cannot be written, named with its option and the OS's reason; exit status 2 (exit_status.hpp).
class OutputPathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReportPath {
  std::string_view option;          // e.g. "--json", for the message
  std::optional<std::string> path;  // not given: nothing to check
};

// Throws OutputPathError unless a new file can be made in the folder of each given report (which must exist: it is
// not created) and the report's own path is not a folder. Checked by creating a file there and removing it.
void check_report_paths(const std::vector<ReportPath>& reports);

// Creates `folder` if needed, then checks the same way that it accepts new files; throws OutputPathError if not.
void check_output_folder(std::string_view option, const std::filesystem::path& folder);

// Writes `text` to `path` whole or not at all: into a new temporary file beside it (a name no other process or
// run uses; removed on failure), flushed to disk, then renamed over `path`. Throws std::runtime_error with the
// OS's reason.
void write_text_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace image_pipeline
