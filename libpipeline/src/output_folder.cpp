#include "pipeline/output_folder.hpp"

#include <map>
#include <system_error>

#include <fmt/format.h>

#include "pipeline/image_io.hpp"

namespace pipeline {

std::vector<std::string> output_file_names(const std::vector<std::string>& input_names) {
  std::map<std::string, int> stem_count;
  for (const auto& name : input_names) ++stem_count[std::filesystem::path(name).stem().string()];
  std::vector<std::string> outputs;
  outputs.reserve(input_names.size());
  for (const auto& name : input_names) {
    const std::string stem = std::filesystem::path(name).stem().string();
    outputs.push_back((stem_count[stem] > 1 ? name : stem) + ".png");
  }
  return outputs;
}

std::vector<WriteFailure> write_outputs(const std::filesystem::path& folder, std::span<const TaskResult> tasks,
                                        int png_compression) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error || !std::filesystem::is_directory(folder)) {
    throw ImageIoError(fmt::format("cannot create output folder '{}': {}", folder.string(),
                                   error ? error.message() : "not a folder"));
  }
  std::vector<std::string> names;
  names.reserve(tasks.size());
  for (const auto& task : tasks) names.push_back(task.record.image);
  const auto files = output_file_names(names);

  std::vector<WriteFailure> failures;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!tasks[i].record.ok() || tasks[i].output.empty()) continue;
    try {
      write_png_atomic(tasks[i].output, folder / files[i], png_compression);
    } catch (const std::exception& failure) {
      failures.push_back({files[i], failure.what()});
    }
  }
  return failures;
}

}  // namespace pipeline
