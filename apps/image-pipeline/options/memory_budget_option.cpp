#include "options/memory_budget_option.hpp"

#include <cctype>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "pipeline/memory_budget.hpp"
#include "pipeline/metrics.hpp"

namespace image_pipeline {
namespace {

std::uint64_t parse_budget(std::string text) {
  if (text == "none") return 0;
  if (!text.empty() && text.back() == '%') {
    std::size_t used = 0;
    double percent = -1.0;
    try {
      percent = std::stod(text.substr(0, text.size() - 1), &used);
    } catch (const std::exception&) {
    }
    if (used != text.size() - 1 || !(percent > 0.0 && percent <= 100.0)) {
      throw CLI::ValidationError("--memory-budget", "a percentage must be in (0, 100], got '" + text + "'");
    }
    return static_cast<std::uint64_t>(
        std::floor(static_cast<double>(pipeline::usable_memory_bytes()) * percent / 100.0));
  }
  const std::string given = text;
  const auto not_a_size = [&given] {
    return CLI::ValidationError("--memory-budget",
                                "expected a size such as 4G or 512MiB, a percentage such as 25%, "
                                "or none; got '" +
                                    given + "'");
  };
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text.front())) == 0) throw not_a_size();
  // CLI11's reader of sizes with units; it rewrites `text` into the number of bytes.
  try {
    if (!CLI::AsSizeValue(false)(text).empty()) throw not_a_size();
  } catch (const CLI::ValidationError&) {
    throw not_a_size();
  }
  const std::uint64_t bytes = std::stoull(text);
  if (bytes == 0)
    throw CLI::ValidationError("--memory-budget", "a budget of 0 bytes admits nothing; 'none' turns it off");
  return bytes;
}

}  // namespace

void add_memory_budget_option(CLI::App& command, std::optional<std::uint64_t>& budget) {
  command
      .add_option_function<std::string>(
          "--memory-budget", [&budget](const std::string& text) { budget = parse_budget(text); },
          fmt::format("Memory the images in progress may take together, each estimated from its file's header: an "
                      "image waits until it fits, and one over the whole budget fails by name. A size (4G, 512MiB), a "
                      "percentage of memory (25%), or none (default: half of memory, {} here)",
                      pipeline::format_bytes(pipeline::default_memory_budget())))
      ->type_name("SIZE");
}

}  // namespace image_pipeline
