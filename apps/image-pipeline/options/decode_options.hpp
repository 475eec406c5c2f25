#pragma once
// --fail-on and --max-pixels: how strictly inputs are decoded, the same for the comparison and for `run`.

#include <CLI/CLI.hpp>

#include "pipeline/image_io.hpp"

namespace image_pipeline {

// Adds both options to `command`, landing in `options` (which must outlive the parse).
void add_decode_options(CLI::App& command, pipeline::DecodeOptions& options);

}  // namespace image_pipeline
