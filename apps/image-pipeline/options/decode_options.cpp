#include "options/decode_options.hpp"

#include <string>

#include <fmt/format.h>

namespace image_pipeline {

void add_decode_options(CLI::App& command, pipeline::DecodeOptions& options) {
  command
      .add_option_function<std::string>(
          "--fail-on", [&options](const std::string& level) { options.fail_on = pipeline::parse_fail_on(level); },
          "How damaged an input may be and still be decoded (libvips' fail_on): none (decode what can be, "
          "named as a warning), truncated, error, or warning (refuse anything the loader warns about)")
      ->check(CLI::IsMember({"none", "truncated", "error", "warning"}))
      ->default_str(std::string(pipeline::to_string(options.fail_on)));
  command
      .add_option("--max-pixels", options.max_pixels,
                  fmt::format("Refuse inputs over this many pixels, from their header, before decoding (0 = no limit; "
                              "the default, 0x3FFF squared or about {} MP, is sharp's)",
                              pipeline::default_max_input_pixels / 1'000'000))
      ->capture_default_str();
}

}  // namespace image_pipeline
