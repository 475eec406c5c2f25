#pragma once
// --memory-budget of `run`: how much memory the images in progress may take together (memory_budget.hpp).

#include <cstdint>
#include <optional>

#include <CLI/CLI.hpp>

namespace image_pipeline {

// Adds the option to `command`, landing in `budget` in bytes (0: none; unset: the library's default), which must
// outlive the parse. Takes a size ("4G", "512MiB", "2GB": whole numbers, binary units, as free(1) and sort -S read
// them), a percentage of the memory this process may use ("25%"), or "none".
void add_memory_budget_option(CLI::App& command, std::optional<std::uint64_t>& budget);

}  // namespace image_pipeline
