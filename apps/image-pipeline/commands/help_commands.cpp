#include "commands/help_commands.hpp"

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "completions/completions.hpp"
#include "help/help_formatter.hpp"
#include "help/man_page.hpp"
#include "help/one_of.hpp"
#include "help/option_facts.hpp"

namespace image_pipeline {

void add_help_commands(CLI::App& app, HelpCommands& commands) {
  std::vector<std::string> topics;
  for (const CLI::App* sub : visible_subcommands(app)) topics.push_back(sub->get_name());
  commands.help = app.add_subcommand("help", "Prints the whole help of image-pipeline, or of a command (help run)");
  commands.help->add_option("COMMAND", commands.help_topic, "The command to explain")->check(one_of(topics));

  commands.completions = app.add_subcommand("completions", "Prints the completion script for SHELL")->group("");
  commands.completions->add_option("SHELL", commands.shell, "bash, zsh or fish")
      ->check(one_of(shell_names()))
      ->required();
  commands.man = app.add_subcommand("man", "Prints the man page, image-pipeline.1 (roff)")->group("");
}

std::optional<int> run_help_commands(const CLI::App& app, const HelpCommands& commands) {
  if (commands.help->parsed()) {
    // Not app.help(): it would explain the command parsed last, `help` itself.
    const CLI::App* topic = commands.help_topic.empty() ? &app : app.get_subcommand(commands.help_topic);
    std::cout << topic->get_formatter()->make_help(topic, command_path(*topic), CLI::AppFormatMode::All);
    return EXIT_SUCCESS;
  }
  if (commands.completions->parsed()) {
    std::cout << completion_script(app, commands.shell);
    return EXIT_SUCCESS;
  }
  if (commands.man->parsed()) {
    std::cout << man_page(app);
    return EXIT_SUCCESS;
  }
  return std::nullopt;
}

}  // namespace image_pipeline
