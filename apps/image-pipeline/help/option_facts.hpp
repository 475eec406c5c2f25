#pragma once
// What an option of a CLI11 command expects, read from its definition alone (names, type name, validators,
// default), so the help, the man page and the shell completions all say the same and follow every new option.
//
// The placeholder comes from the option's type name when the command set one (->type_name("DIR")), else from what
// CLI11 knows: choices become `a|b|c`, a comma-separated list LIST, an integer N, a number NUM, text VALUE. Those
// placeholders are also what the completions act on: DIR completes folders, FILE and PATH files, SPEC filter names.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace image_pipeline {

struct OptionFacts {
  std::vector<std::string> short_names;  // "-w"
  std::vector<std::string> long_names;   // "--workers"
  std::string positional_name;           // "IN_DIR" for a positional, else empty
  std::string placeholder;               // "N", "DIR", "shm|pipe"; empty for a flag
  bool several = false;                  // takes several values (-w 2 4 8): shown as "N..."
  bool required = false;
  std::vector<std::string> choices;  // the allowed values, if the option checks them
  std::string range;                 // "1 to 1024", "above 0"
  std::string default_value;         // "2,4"; empty when none is shown
  std::string description;           // as the command wrote it

  // "-w, --workers N...", or "IN_DIR" for a positional
  [[nodiscard]] std::string signature() const;
  // "--workers", else "-w", else the positional's name: the name to show where one is enough.
  [[nodiscard]] std::string main_name() const;
  // The description with what is allowed and the default, in words: "Worker counts to compare (1 to 1024, default
  // 2,4)". Nothing is repeated that the description already says (a default it explains itself).
  [[nodiscard]] std::string full_description() const;
  [[nodiscard]] bool takes_value() const { return !placeholder.empty(); }
};

[[nodiscard]] OptionFacts facts_of(const CLI::Option& option);

// The options of `command` shown to users (not hidden), in definition order, positionals last.
[[nodiscard]] std::vector<const CLI::Option*> visible_options(const CLI::App& command);
// Its subcommands shown to users (hidden ones, like `completions`, left out).
[[nodiscard]] std::vector<const CLI::App*> visible_subcommands(const CLI::App& command);

// The first clause of a description: short help and completions show one line per option.
[[nodiscard]] std::string first_clause(const std::string& description);

}  // namespace image_pipeline
