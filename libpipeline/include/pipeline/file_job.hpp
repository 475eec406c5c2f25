#pragma once
// A file-to-file task: decode an input file, run the chain, write the output atomically (PNG unless told otherwise).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "pipeline/filter.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/output_format.hpp"
#include "pipeline/task.hpp"

namespace pipeline {

struct FileJob {
  std::filesystem::path input;
  std::filesystem::path output;
  // libvips' loader for the input as plan_folder_run() found it: vips_loader_is_module() tells from it whether the
  // workers need libvips' modules, without reading the file again. "" if not known: a job made by hand, or a file
  // only its extension calls an image (loader_is_vips_module(input) then reads it). Decoding does not use it.
  std::string loader{};
};

struct FileJobOptions {
  OutputFormat output{};   // the outputs' format and its compression or quality (PNG, deflate level 1)
  DecodeOptions decode{};  // how strict decoding the inputs is, and their pixel limit
  // Bytes the images of the jobs in progress may take together, each job's share estimated from its file's header
  // (memory_budget.hpp): a job waits until its share fits, and one over the whole budget fails. Unset:
  // default_memory_budget(), half of the memory this process may use; 0: no budget (no header read ahead).
  std::optional<std::uint64_t> memory_budget{};
};

// Runs one file job in the calling thread. Never throws: an unreadable input, a failing filter or an unwritable
// output becomes record.error, the reason without the input's name (and no output file appears); what decoding
// said about an input it decoded all the same is record.warnings. record.image is the input's file name; record.stages
// holds "decode", the filters ("filters" as one stage, or one per filter with `profile_stages`) and "encode".
// Requires initialize_vips().
[[nodiscard]] TaskRecord run_file_task(const FilterChain& chain, const FileJob& job, const FileJobOptions& options,
                                       int worker, bool profile_stages = false);

}  // namespace pipeline
