#pragma once
// Shell completion scripts for bash, zsh and fish, generated from the commands' CLI11 definitions
// (option_facts.hpp): subcommands, options, the choices of an option, filter names for --filters, folders where a
// DIR is expected and files where a FILE is. Printed by the hidden `image-pipeline completions SHELL`; the build
// writes them and `cmake --install` installs them (apps/CMakeLists.txt).

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace image_pipeline {

// What an option's value (or a positional) completes to.
enum class ValueKind { none, anything, directory, file, choice, choice_list, filter_chain };

struct CompletedOption {
  std::vector<std::string> names;  // "-w", "--workers"; empty for a positional
  std::string placeholder;         // "N", "DIR", the positional's name
  ValueKind kind = ValueKind::none;
  std::vector<std::string> choices;  // for choice, choice_list and filter_chain
  std::string summary;               // the first clause of its description
  bool several = false;
};

struct CompletedCommand {
  std::string name;  // empty for the program itself
  std::string summary;
  std::vector<CompletedOption> options;
  std::vector<CompletedOption> positionals;
};

// The program and its visible subcommands, first the program.
[[nodiscard]] std::vector<CompletedCommand> completion_model(const CLI::App& app);

[[nodiscard]] std::vector<std::string> shell_names();  // bash, zsh, fish
// The script for `shell` (one of shell_names()).
[[nodiscard]] std::string completion_script(const CLI::App& app, const std::string& shell);

[[nodiscard]] std::string bash_completion(const std::vector<CompletedCommand>& commands);
[[nodiscard]] std::string zsh_completion(const std::vector<CompletedCommand>& commands);
[[nodiscard]] std::string fish_completion(const std::vector<CompletedCommand>& commands);

}  // namespace image_pipeline
