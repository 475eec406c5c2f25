#pragma once
// Inputs for file runs (Executor::run_files) written by the tests themselves, and what the runs wrote.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/file_job.hpp"

namespace pipeline::test {

// Writes `count` PNG inputs "in-0.png", "in-1.png", ... of uneven sizes and every layout in turn (grey, grey+alpha,
// RGB, RGBA) into `in`, their samples from `seed` on, and returns their jobs, each writing "in-N.out.png" into
// `out`. Creates both folders.
[[nodiscard]] std::vector<FileJob> write_png_jobs(const std::filesystem::path& in, const std::filesystem::path& out,
                                                  int count, std::uint64_t seed);

// The whole content of a file ("" if it cannot be read): to compare outputs byte for byte.
[[nodiscard]] std::string file_bytes(const std::filesystem::path& path);

}  // namespace pipeline::test
