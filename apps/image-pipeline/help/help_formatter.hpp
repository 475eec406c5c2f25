#pragma once
// The CLI's help, in the manner of ripgrep's: `-h` a summary, one line per option; `--help` everything, each
// option's placeholder saying what it expects (DIR, FILE, N, shm|pipe), what it allows and its default in words, then
// examples, the exit statuses and the filters. Built from the commands' CLI11 definitions (option_facts.hpp), so a
// new option appears by itself.

#include <string>

#include <CLI/CLI.hpp>

namespace image_pipeline {

class HelpFormatter : public CLI::Formatter {
 public:
  // Normal: the summary (-h); All: the whole help (--help).
  std::string make_help(const CLI::App* command, std::string name, CLI::AppFormatMode mode) const override;
  // "Usage: image-pipeline run [OPTIONS] IN_DIR OUT_DIR\n"
  std::string make_usage(const CLI::App* command, std::string name) const override;
};

// Names the program "image-pipeline" (never the path it was started by), gives it the help flags -h (summary) and
// --help (all) and this formatter. Call before adding options and subcommands: they inherit both.
void set_up_help(CLI::App& app);

// The full name of a command as typed: "image-pipeline run".
[[nodiscard]] std::string command_path(const CLI::App& command);

}  // namespace image_pipeline
