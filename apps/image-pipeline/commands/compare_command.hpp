#pragma once
// `image-pipeline [OPTIONS]`, the comparison: a batch of images (a folder, or a synthetic set) through the filter
// chain with each paradigm and worker count asked for, the sequential run as the reference, and the report on
// stdout (and in the report files asked for).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "options/common_options.hpp"
#include "pipeline/paradigm.hpp"

namespace image_pipeline {

// The paradigms this machine runs alone, and mpi too when this program has MPI worker ranks (under mpirun).
[[nodiscard]] std::vector<std::string> default_executors();

struct CompareOptions {
  std::optional<std::string> input;
  std::optional<std::size_t> num_images;
  std::vector<int> workers{2, 4};
  std::vector<std::string> executors = default_executors();
  std::optional<std::string> output;
  std::optional<std::string> json;
  std::optional<std::string> csv;
  std::optional<std::string> markdown;
  std::optional<std::string> trace;
  std::optional<std::string> html;
  bool profile_filters = false;
  int repeats = 3;
  int warmup = 3;  // a new process pool takes a few runs to reach its steady speed (benchmarks/README.md)
  std::uint64_t seed = 42;
  std::optional<std::string> size;
  CommonOptions common;  // its task timeout defaults to none here (compare_command.cpp)
};

// Adds the comparison's options to `app` (the top-level command), landing in `options` (which must outlive the
// parse).
void add_compare_options(CLI::App& app, CompareOptions& options);

// Runs it; returns the exit status: 0 every input read, every task succeeded and every output written and
// identical to sequential's, 1 otherwise (or the comparison could not work), 2 unusable options or input (a bad
// filter spec or size, a report path or output folder that cannot be written, an unusable dataset), 128 + the
// signal's number when a signal stopped it (no report written). Logging must be set up (spdlog's default logger).
[[nodiscard]] int run_comparison_command(const CompareOptions& options);

}  // namespace image_pipeline
