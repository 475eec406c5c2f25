#pragma once
// Writing a batch's results to a folder as image files (PNG unless told otherwise) named after their sources.

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "pipeline/file_failure.hpp"
#include "pipeline/image.hpp"
#include "pipeline/output_format.hpp"
#include "pipeline/task.hpp"

namespace pipeline {

// The output file name of each input, with the format's extension (file_extension): "photo.jpg" -> "photo.png";
// inputs sharing a stem ("a.jpg", "a.png") keep their extension ("a.jpg.png", "a.png.png") so no output overwrites
// another.
[[nodiscard]] std::vector<std::string> output_file_names(const std::vector<std::string>& input_names,
                                                         ImageFormat format = ImageFormat::png);

// Creates `folder` if needed and writes each successful task's output atomically in `output`'s format
// (write_image_atomic).
// Failed tasks are skipped (their error is already in their record); a write that fails is returned and
// the others still go ahead. Throws ImageIoError only if the folder cannot be created.
[[nodiscard]] std::vector<FileFailure> write_outputs(const std::filesystem::path& folder,
                                                     std::span<const TaskResult> tasks,
                                                     const OutputFormat& output = {});

}  // namespace pipeline
