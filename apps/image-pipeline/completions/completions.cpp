#include "completions/completions.hpp"

#include <stdexcept>

#include "help/option_facts.hpp"
#include "pipeline/filter_registry.hpp"

namespace image_pipeline {
namespace {

bool ends_with(const std::string& text, const std::string& end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

// The placeholder says what is expected (option_facts.hpp); the completion follows it.
CompletedOption completed(const OptionFacts& facts) {
  CompletedOption option;
  option.names = facts.short_names;
  option.names.insert(option.names.end(), facts.long_names.begin(), facts.long_names.end());
  option.placeholder = facts.placeholder;
  option.summary = first_clause(facts.description);
  option.several = facts.several;
  const std::string& expected = facts.placeholder;
  if (expected.empty()) {
    option.kind = ValueKind::none;
  } else if (!facts.choices.empty()) {
    option.kind = expected == "LIST" ? ValueKind::choice_list : ValueKind::choice;
    option.choices = facts.choices;
  } else if (expected == "SPEC") {
    option.kind = ValueKind::filter_chain;
    option.choices = pipeline::registered_filters();
  } else if (ends_with(expected, "DIR")) {
    option.kind = ValueKind::directory;
  } else if (ends_with(expected, "FILE") || expected == "PATH") {
    option.kind = ValueKind::file;
  } else {
    option.kind = ValueKind::anything;
  }
  return option;
}

CompletedCommand completed(const CLI::App& command, bool is_program) {
  CompletedCommand out{is_program ? "" : command.get_name(), first_clause(command.get_description()), {}, {}};
  for (const CLI::Option* option : visible_options(command)) {
    const OptionFacts facts = facts_of(*option);
    (facts.positional_name.empty() ? out.options : out.positionals).push_back(completed(facts));
  }
  return out;
}

}  // namespace

std::vector<CompletedCommand> completion_model(const CLI::App& app) {
  std::vector<CompletedCommand> commands{completed(app, true)};
  for (const CLI::App* sub : visible_subcommands(app)) commands.push_back(completed(*sub, false));
  return commands;
}

std::vector<std::string> shell_names() { return {"bash", "zsh", "fish"}; }

std::string completion_script(const CLI::App& app, const std::string& shell) {
  const std::vector<CompletedCommand> commands = completion_model(app);
  if (shell == "bash") return bash_completion(commands);
  if (shell == "zsh") return zsh_completion(commands);
  if (shell == "fish") return fish_completion(commands);
  throw std::invalid_argument("no completions for shell '" + shell + "'");
}

}  // namespace image_pipeline
