#pragma once
// --worker-program's check, for both commands: the path must be an executable regular file. Found at parse time,
// it is a usage error (exit 2) naming the path, not a failure after the images were loaded.

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

namespace image_pipeline {

inline CLI::Validator executable_file() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        std::error_code error;
        const auto status = std::filesystem::status(path, error);
        if (error) return "'" + path + "': " + error.message();
        if (!std::filesystem::is_regular_file(status)) return "'" + path + "' is not a file";
        if (::access(path.c_str(), X_OK) != 0) return "'" + path + "' cannot be run: " + std::strerror(errno);
        return {};
      },
      "PROGRAM");
}

}  // namespace image_pipeline
