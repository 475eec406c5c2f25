#include "help/unknown_argument.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "help/help_formatter.hpp"
#include "help/option_facts.hpp"
#include "pipeline/closest_match.hpp"

namespace image_pipeline {
namespace {

// The command the words were meant for: the subcommand named on the line, if any.
const CLI::App& command_given(const CLI::App& app) {
  const std::vector<CLI::App*> parsed = app.get_subcommands();
  return parsed.empty() ? app : *parsed.front();
}

std::vector<std::string> option_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : visible_options(command)) {
    const OptionFacts facts = facts_of(*option);
    names.insert(names.end(), facts.long_names.begin(), facts.long_names.end());
    names.insert(names.end(), facts.short_names.begin(), facts.short_names.end());
  }
  return names;
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  const auto nearest = pipeline::closest_match(word, candidates);
  return nearest ? fmt::format("; did you mean '{}'?", *nearest) : std::string();
}

bool looks_like_option(const std::string& word) {
  // "-5" or "-0.5" is a value (a negative number), not an option
  return word.size() > 1 && word.front() == '-' &&
         !(std::isdigit(static_cast<unsigned char>(word[1])) || word[1] == '.');
}

}  // namespace

std::optional<std::string> unknown_argument_message(const CLI::App& app, const std::vector<std::string>& arguments) {
  const std::vector<std::string> left = app.remaining(true);
  const CLI::App& command = command_given(app);
  const std::string footer = fmt::format("{}Run '{} -h' for its options, '{} --help' for more.",
                                         HelpFormatter().make_usage(&command, command_path(command)),
                                         command_path(command), command_path(command));
  // In the order typed: CLI11's remaining() does not keep it.
  for (const std::string& argument : arguments) {
    const auto is_left = [&left](const std::string& word) {
      return std::find(left.begin(), left.end(), word) != left.end();
    };
    // (CLI11 splits --name=value and keeps --name)
    if (!is_left(argument) && !is_left(argument.substr(0, argument.find('=')))) continue;
    if (looks_like_option(argument)) {
      const std::string name = argument.substr(0, argument.find('='));
      return fmt::format("unknown option '{}'{}\n{}", name, suggestion(name, option_names(command)), footer);
    }
    if (&command == &app &&
        app.get_options([](const CLI::Option* option) { return !option->nonpositional(); }).empty()) {
      std::vector<std::string> names;
      for (const CLI::App* sub : visible_subcommands(app)) names.push_back(sub->get_name());
      return fmt::format("unknown command '{}'{}\n{}", argument, suggestion(argument, names), footer);
    }
  }
  return std::nullopt;
}

}  // namespace image_pipeline
