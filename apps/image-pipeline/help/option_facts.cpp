#include "help/option_facts.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <regex>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace image_pipeline {
namespace {

// The type names CLI11 gives by itself: they say how the value is parsed, not what it means.
bool is_cli11_type_name(std::string_view name) {
  constexpr std::array names{"", "INT", "UINT", "FLOAT", "NUMBER", "TEXT", "BOOLEAN", "CHAR", "ENUM"};
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string placeholder_for_cli11_type(std::string_view name) {
  if (name == "INT" || name == "UINT") return "N";
  if (name == "FLOAT" || name == "NUMBER") return "NUM";
  return "VALUE";
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    items.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return items;
    start = end + 1;
  }
}

// CLI11 describes a range as "INT in [1 - 1024]"; said in words, an open end as "at least".
std::string range_in_words(const std::string& low, const std::string& high) {
  const double high_value = std::strtod(high.c_str(), nullptr);
  if (high_value >= 1e6) return low == "0" ? "0 or more" : fmt::format("at least {}", low);
  return fmt::format("{} to {}", low, high);
}

// Reads what each validator allows from its description (CLI11 2.1 keeps no other trace of it).
void read_validators(const CLI::Option& option, OptionFacts& facts) {
  auto& editable = const_cast<CLI::Option&>(option);  // CLI11's get_validator is not const; nothing is changed
  static const std::regex range(R"(^\w+ (?:in|bounded to) \[(.+) - (.+)\]$)");
  for (int index = 0;; ++index) {
    const CLI::Validator* validator = nullptr;
    try {
      validator = editable.get_validator(index);
    } catch (const CLI::OptionNotFound&) {
      return;
    }
    const std::string description = validator->get_description();
    std::smatch match;
    if (description == "POSITIVE") {  // CLI::PositiveNumber: its "description" is its name
      facts.range = "above 0";
    } else if (description == "NONNEGATIVE") {
      facts.range = "0 or more";
    } else if (std::regex_match(description, match, range)) {
      facts.range = range_in_words(match[1], match[2]);
    } else if (description.size() >= 2 && description.front() == '{' && description.back() == '}') {
      facts.choices = split(description.substr(1, description.size() - 2), ',');
    }
  }
}

std::string without_brackets(std::string text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') return text.substr(1, text.size() - 2);
  return text;
}

bool mentions_default(const std::string& description) {
  std::string lower = description;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("default") != std::string::npos;
}

}  // namespace

std::string OptionFacts::signature() const {
  if (!positional_name.empty()) return positional_name;
  std::vector<std::string> names = short_names;
  names.insert(names.end(), long_names.begin(), long_names.end());
  std::string text = fmt::format("{}", fmt::join(names, ", "));
  if (takes_value()) text += " " + placeholder + (several ? "..." : "");
  return text;
}

std::string OptionFacts::main_name() const {
  if (!long_names.empty()) return long_names.front();
  if (!short_names.empty()) return short_names.front();
  return positional_name;
}

std::string OptionFacts::full_description() const {
  std::vector<std::string> notes;
  if (!choices.empty() && placeholder == "LIST")
    notes.push_back(fmt::format("comma-separated: {}", fmt::join(choices, "|")));
  if (!range.empty()) notes.push_back(range);
  if (!default_value.empty() && !mentions_default(description)) notes.push_back("default " + default_value);
  if (notes.empty()) return description;
  // "Images to use (default: all)" + "at least 1": one parenthesis, "(default: all; at least 1)"
  if (!description.empty() && description.back() == ')') {
    return fmt::format("{}; {})", description.substr(0, description.size() - 1), fmt::join(notes, ", "));
  }
  return fmt::format("{} ({})", description, fmt::join(notes, ", "));
}

OptionFacts facts_of(const CLI::Option& option) {
  OptionFacts facts;
  facts.description = option.get_description();
  facts.required = option.get_required();
  read_validators(option, facts);
  if (!option.nonpositional()) {
    facts.positional_name = option.get_name(true, false);
    facts.placeholder = facts.positional_name;
    return facts;
  }
  for (const std::string& name : option.get_snames()) facts.short_names.push_back("-" + name);
  for (const std::string& name : option.get_lnames()) facts.long_names.push_back("--" + name);
  if (option.get_items_expected_max() == 0) return facts;  // a flag
  const std::string type_name = split(option.get_type_name(), ':').front();
  if (!is_cli11_type_name(type_name)) {
    facts.placeholder = type_name;
  } else if (option.get_delimiter() == ',') {
    facts.placeholder = "LIST";
  } else if (!facts.choices.empty()) {
    facts.placeholder = fmt::format("{}", fmt::join(facts.choices, "|"));
  } else {
    facts.placeholder = placeholder_for_cli11_type(type_name);
  }
  facts.several = option.get_expected_max() > 1 && option.get_delimiter() != ',';
  facts.default_value = without_brackets(option.get_default_str());
  return facts;
}

std::vector<const CLI::Option*> visible_options(const CLI::App& command) {
  std::vector<const CLI::Option*> options;
  for (const CLI::Option* option : command.get_options()) {
    if (!option->get_group().empty() && option->nonpositional()) options.push_back(option);
  }
  for (const CLI::Option* option : command.get_options()) {
    if (!option->get_group().empty() && !option->nonpositional()) options.push_back(option);
  }
  return options;
}

std::vector<const CLI::App*> visible_subcommands(const CLI::App& command) {
  return command.get_subcommands(
      [](const CLI::App* sub) { return !sub->get_name().empty() && !sub->get_group().empty(); });
}

std::string first_clause(const std::string& description) {
  std::size_t end = description.size();
  for (const char* separator : {". ", "; ", ": ", " (", ", e.g."}) end = std::min(end, description.find(separator));
  return description.substr(0, end);
}

}  // namespace image_pipeline
