#pragma once
// The commands that explain the program instead of running it: `help [COMMAND]` (the whole help of the program or
// of a command, exit 0), and, hidden from the help, `completions bash|zsh|fish` and `man`, which print the shell
// completions and the man page that the build generates and `cmake --install` installs (apps/CMakeLists.txt).

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace image_pipeline {

struct HelpCommands {
  CLI::App* help = nullptr;
  std::string help_topic;
  CLI::App* completions = nullptr;
  std::string shell;
  CLI::App* man = nullptr;
};

// Adds them to `app` (after its other subcommands, so `help` can name them all), landing in `commands`.
void add_help_commands(CLI::App& app, HelpCommands& commands);

// If one of them was given: does it (to stdout) and returns the exit status; else nullopt.
[[nodiscard]] std::optional<int> run_help_commands(const CLI::App& app, const HelpCommands& commands);

}  // namespace image_pipeline
