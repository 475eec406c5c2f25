#include "help/help_formatter.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "exit_status.hpp"
#include "help/help_sections.hpp"
#include "help/option_facts.hpp"

namespace image_pipeline {
namespace {

constexpr std::size_t width = 100;
constexpr std::size_t summary_column = 32;  // where -h's descriptions start
constexpr std::size_t long_indent = 10;     // --help's descriptions, under their option as ripgrep's

// `text` wrapped at `width`, every line indented by `indent` (the first too).
std::string wrapped(const std::string& text, std::size_t indent) {
  std::string out;
  std::string line(indent, ' ');
  bool line_empty = true;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    if (!line_empty && line.size() + 1 + word.size() > width) {
      out += line + '\n';
      line = std::string(indent, ' ');
      line_empty = true;
    }
    line += (line_empty ? "" : " ") + word;
    line_empty = false;
  }
  if (!line_empty) out += line + '\n';
  return out;
}

// "  left    text": `text` in a column, on the next line if `left` reaches it.
std::string two_columns(const std::string& left, const std::string& text, std::size_t column) {
  std::string head = "  " + left;
  if (head.size() + 1 >= column) return head + '\n' + wrapped(text, column);
  std::string body = wrapped(text, column);
  return head + body.substr(head.size());
}

bool is_top_level(const CLI::App* command) { return command->get_parent() == nullptr; }

std::string options_section(const CLI::App* command, bool whole) {
  std::string positionals;
  std::string options;
  for (const CLI::Option* option : visible_options(*command)) {
    const OptionFacts facts = facts_of(*option);
    std::string& section = facts.positional_name.empty() ? options : positionals;
    if (whole) {
      section += "  " + facts.signature() + '\n' + wrapped(facts.full_description(), long_indent);
    } else {
      section += two_columns(facts.signature(), first_clause(facts.description), summary_column);
    }
  }
  std::string out;
  if (!positionals.empty()) out += "\nArguments:\n" + positionals;
  if (!options.empty()) out += "\nOptions:\n" + options;
  return out;
}

std::string commands_section(const CLI::App* command, bool whole) {
  const auto subcommands = visible_subcommands(*command);
  if (subcommands.empty()) return "";
  std::string out = "\nCommands:\n";
  for (const CLI::App* sub : subcommands) {
    out += two_columns(sub->get_name(), whole ? sub->get_description() : first_clause(sub->get_description()), 12);
  }
  return out;
}

std::string examples_section(const CLI::App* command) {
  std::string out;
  for (const Example& example : examples()) {
    if (!is_top_level(command) && example.command != command->get_name()) continue;
    out += wrapped(example.what + ':', 2) + "      " + example.line + "\n\n";
  }
  return out.empty() ? "" : "\nEXAMPLES\n" + out.substr(0, out.size() - 1);
}

std::string exit_status_section() {
  std::string out = "\nEXIT STATUS\n";
  for (const ExitStatusDoc& status : exit_status_docs) {
    out += two_columns(std::to_string(status.code), std::string(status.meaning), 8);
  }
  return out;
}

bool takes_filters(const CLI::App* command) {
  const auto options = command->get_options();
  return std::any_of(options.begin(), options.end(),
                     [](const CLI::Option* option) { return option->check_lname("filters"); });
}

std::string filters_section() {
  std::string out = "\nFILTERS (--filters NAME[=PARAMETER],NAME...)\n";
  for (const FilterLine& filter : filter_lines()) out += two_columns(filter.usage, filter.description, 24);
  return out;
}

}  // namespace

std::string command_path(const CLI::App& command) {
  if (command.get_parent() == nullptr) return command.get_name();
  return command_path(*command.get_parent()) + " " + command.get_name();
}

std::string HelpFormatter::make_usage(const CLI::App* command, std::string name) const {
  std::string usage = "Usage: " + (name.empty() ? command_path(*command) : name);
  std::vector<std::string> positionals;
  bool has_options = false;
  for (const CLI::Option* option : visible_options(*command)) {
    const OptionFacts facts = facts_of(*option);
    if (facts.positional_name.empty()) {
      has_options = true;
    } else {
      positionals.push_back(facts.required ? facts.positional_name : "[" + facts.positional_name + "]");
    }
  }
  if (has_options) usage += " [OPTIONS]";
  for (const std::string& positional : positionals) usage += " " + positional;
  if (!visible_subcommands(*command).empty()) usage += " [COMMAND]";
  return usage + '\n';
}

std::string HelpFormatter::make_help(const CLI::App* command, std::string name, CLI::AppFormatMode mode) const {
  const bool whole = mode == CLI::AppFormatMode::All;
  const std::string description = command->get_description();
  std::string out = whole ? wrapped(description, 0) : wrapped(first_clause(description) + '.', 0);
  out += '\n' + make_usage(command, name);
  out += options_section(command, whole);
  out += commands_section(command, whole);
  if (whole) {
    out += examples_section(command);
    out += exit_status_section();
    if (takes_filters(command)) out += filters_section();
  } else {
    out += "\n'--help' gives every option in full, examples, exit statuses" +
           std::string(takes_filters(command) ? " and filters." : ".") + '\n';
  }
  return out;
}

void set_up_help(CLI::App& app) {
  app.name("image-pipeline");
  app.formatter(std::make_shared<HelpFormatter>());
  app.set_help_flag("-h", "Print a summary of the options (--help for all of the help)");
  app.set_help_all_flag("--help", "Print the whole help: options, examples, exit statuses, filters");
}

}  // namespace image_pipeline
