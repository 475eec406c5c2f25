#pragma once
// Private to the library: a file job whose bytes travel instead of its paths, for workers that share no filesystem
// with the program that holds the files (the mpi executor): the input file's bytes in, the output PNG's bytes out.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "pipeline/file_job.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/task.hpp"

namespace pipeline::detail {

struct EncodedTaskResult {
  TaskRecord record;
  std::vector<std::uint8_t> output_file;  // the output file's bytes; empty when the task failed
};

// run_file_task (file_job.hpp) on bytes: decodes `encoded` (any format libvips reads), runs the chain and encodes
// the output as PNG in memory; the stages are the same ("decode", the filters, "encode"). Never throws: a failure
// is record.error, this file's own reason. record.image is `name`.
[[nodiscard]] EncodedTaskResult run_encoded_task(const FilterChain& chain, std::string name,
                                                 std::span<const std::uint8_t> encoded, const FileJobOptions& options,
                                                 int worker, bool profile_stages);

// Writes a whole file's bytes to `path` atomically, as write_png_atomic (image_io.hpp) writes an image: a temporary
// beside it, flushed, renamed. Throws ImageIoError.
void write_encoded_atomic(std::span<const std::uint8_t> file, const std::filesystem::path& path);

}  // namespace pipeline::detail
