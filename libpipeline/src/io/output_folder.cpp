#include "pipeline/output_folder.hpp"

#include <map>
#include <system_error>

#include <fmt/format.h>

#include "pipeline/image_io.hpp"

namespace pipeline {

std::vector<std::string> output_file_names(const std::vector<std::string>& input_names, ImageFormat format) {
  const std::string extension(file_extension(format));
  std::map<std::string, int> stem_count;
  for (const auto& name : input_names) ++stem_count[std::filesystem::path(name).stem().string()];
  std::vector<bool> keep_extension;
  for (const auto& name : input_names)
    keep_extension.push_back(stem_count[std::filesystem::path(name).stem().string()] > 1);
  // A kept extension can give the name another input gets from its stem ("a.jpg" next to "a.png" -> "a.jpg.png",
  // as "a.jpg.png" alone would): such an input keeps its extension too, until nothing clashes. Distinct names
  // with their extensions kept never clash, so this ends.
  while (true) {
    std::vector<std::string> outputs;
    std::map<std::string, int> output_count;
    for (std::size_t i = 0; i < input_names.size(); ++i) {
      outputs.push_back((keep_extension[i] ? input_names[i] : std::filesystem::path(input_names[i]).stem().string()) +
                        extension);
      ++output_count[outputs.back()];
    }
    bool changed = false;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      if (output_count[outputs[i]] > 1 && !keep_extension[i]) keep_extension[i] = changed = true;
    }
    if (!changed) return outputs;
  }
}

std::vector<FileFailure> write_outputs(const std::filesystem::path& folder, std::span<const TaskResult> tasks,
                                       const OutputFormat& output) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error || !std::filesystem::is_directory(folder)) {
    throw ImageIoError(folder.string(),
                       fmt::format("cannot create the output folder: {}", error ? error.message() : "not a folder"));
  }
  std::vector<std::string> names;
  names.reserve(tasks.size());
  for (const auto& task : tasks) names.push_back(task.record.image);
  const auto files = output_file_names(names, output.format);

  std::vector<FileFailure> failures;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!tasks[i].record.ok() || tasks[i].output.empty()) continue;
    try {
      write_image_atomic(tasks[i].output, folder / files[i], output);
    } catch (const ImageIoError& failure) {
      failures.push_back({files[i], failure.reason()});  // the file is named beside it
    }
  }
  return failures;
}

}  // namespace pipeline
