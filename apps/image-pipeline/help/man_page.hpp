#pragma once
// The man page, image-pipeline.1 (roff, man macros), from the same definitions as the help (option_facts.hpp,
// help_sections.hpp, exit_status.hpp): every command and option with what it allows and its default, the filters,
// the exit statuses and the examples. Printed by the hidden `image-pipeline man`; the build writes it and
// `cmake --install` installs it in share/man/man1.

#include <string>

#include <CLI/CLI.hpp>

namespace image_pipeline {

[[nodiscard]] std::string man_page(const CLI::App& app);

}  // namespace image_pipeline
