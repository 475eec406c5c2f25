#include "pipeline/filter_registry.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pipeline/closest_match.hpp"
#include "pipeline/filters.hpp"

namespace pipeline {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

template <typename T>
FilterFactory without_parameter(const char* name) {
  return [name](const std::optional<std::string>& parameter) -> FilterPtr {
    if (parameter) throw FilterSpecError(fmt::format("filter '{}' takes no parameter, got '{}'", name, *parameter));
    return std::make_shared<T>();
  };
}

FilterPtr make_brightness(const std::optional<std::string>& parameter) {
  if (!parameter) return std::make_shared<BrightnessFilter>();
  const std::string_view text = trim(*parameter);
  double factor = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), factor);
  const auto bad = [&parameter] {
    return FilterSpecError(fmt::format(
        "brightness needs a factor that is a finite number >= 0 (e.g. brightness=1.2), got '{}'", *parameter));
  };
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) throw bad();
  try {
    return std::make_shared<BrightnessFilter>(factor);  // the filter owns the range rule
  } catch (const std::invalid_argument&) {
    throw bad();
  }
}

class Registry {
 public:
  Registry() {
    entries_.emplace("grayscale", Entry{without_parameter<GrayscaleFilter>("grayscale"),
                                        {"Luma Y = 0.299 R + 0.587 G + 0.114 B, 8-bit grey", std::nullopt}});
    entries_.emplace("blur",
                     Entry{without_parameter<BlurFilter>("blur"), {"Gaussian blur, 3x3, sigma 1", std::nullopt}});
    entries_.emplace("sobel", Entry{without_parameter<SobelFilter>("sobel"),
                                    {"Edge strength: gradient magnitude of the 3x3 Sobel kernels", std::nullopt}});
    entries_.emplace("sharpen",
                     Entry{without_parameter<SharpenFilter>("sharpen"), {"Sharpen, 3x3 kernel", std::nullopt}});
    entries_.emplace(
        "brightness",
        Entry{make_brightness,
              {"Multiplies every value by FACTOR (brightness=FACTOR), clamped to 0-255",
               FilterParameterDoc{"FACTOR", "a number >= 0", fmt::format("{}", BrightnessFilter().factor())}}});
  }

  void add(const std::string& name, FilterFactory factory, FilterDoc doc) {
    std::lock_guard lock(mutex_);
    entries_[name] = Entry{std::move(factory), std::move(doc)};
  }

  std::optional<FilterFactory> find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(name);
    if (it == entries_.end()) return std::nullopt;
    return it->second.factory;
  }

  std::vector<RegisteredFilter> docs() const {
    std::lock_guard lock(mutex_);
    std::vector<RegisteredFilter> docs;
    for (const auto& [name, entry] : entries_) docs.push_back({name, entry.doc});
    return docs;  // std::map keeps them sorted
  }

 private:
  struct Entry {
    FilterFactory factory;
    FilterDoc doc;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

void check_name(const std::string& name) {
  if (!valid_name(name)) {
    throw std::invalid_argument(
        fmt::format("invalid filter name '{}': use lower-case letters, digits, '_' and '-'", name));
  }
}

}  // namespace

void register_filter(const std::string& name, FilterFactory factory, FilterDoc doc) {
  check_name(name);
  if (!factory) throw std::invalid_argument("register_filter: empty factory for '" + name + "'");
  registry().add(name, std::move(factory), std::move(doc));
}

namespace {

class FunctionFilter final : public Filter {
 public:
  FunctionFilter(std::string name, FilterFunction function) : name_(std::move(name)), function_(std::move(function)) {}
  [[nodiscard]] std::string name() const override { return name_; }
  [[nodiscard]] Image apply(const Image& input) const override { return function_(input); }

 private:
  std::string name_;
  FilterFunction function_;
};

}  // namespace

FilterPtr make_filter(const std::string& name, FilterFunction function) {
  check_name(name);
  if (!function) throw std::invalid_argument("make_filter: empty function for '" + name + "'");
  return std::make_shared<FunctionFilter>(name, std::move(function));
}

void register_filter(const std::string& name, FilterFunction function, std::string summary) {
  FilterPtr filter = make_filter(name, std::move(function));  // checks both; one object serves every chain
  register_filter(
      name,
      [name, filter](const std::optional<std::string>& parameter) -> FilterPtr {
        if (parameter) throw FilterSpecError(fmt::format("filter '{}' takes no parameter", name));
        return filter;
      },
      FilterDoc{std::move(summary), std::nullopt});
}

std::vector<std::string> registered_filters() {
  std::vector<std::string> names;
  for (const RegisteredFilter& filter : registry().docs()) names.push_back(filter.name);
  return names;
}

std::vector<RegisteredFilter> registered_filter_docs() { return registry().docs(); }

FilterPtr make_filter(std::string_view spec) {
  spec = trim(spec);
  const auto equals = spec.find('=');
  const std::string name(trim(spec.substr(0, equals)));
  std::optional<std::string> parameter;
  if (equals != std::string_view::npos) parameter = std::string(trim(spec.substr(equals + 1)));

  const auto factory = registry().find(name);
  if (!factory) {
    const std::vector<std::string> names = registered_filters();
    const std::optional<std::string> nearest = closest_match(name, names);
    throw FilterSpecError(
        fmt::format("unknown filter '{}';{} valid filters: {}", name.empty() ? std::string(spec) : name,
                    nearest ? fmt::format(" did you mean '{}'?", *nearest) : std::string(), fmt::join(names, ", ")));
  }
  FilterPtr filter = (*factory)(parameter);
  if (!filter) throw FilterSpecError(fmt::format("the factory of filter '{}' returned no filter", name));
  return filter;
}

FilterChain parse_filter_chain(std::string_view spec) {
  if (trim(spec).empty()) {
    throw FilterSpecError(fmt::format("empty filter chain; valid filters: {}", fmt::join(registered_filters(), ", ")));
  }
  FilterChain chain;
  std::size_t start = 0;
  while (true) {
    const auto comma = spec.find(',', start);
    const std::string_view item = spec.substr(start, comma == std::string_view::npos ? spec.npos : comma - start);
    if (trim(item).empty()) {
      throw FilterSpecError(fmt::format("empty item in filter chain '{}'", spec));
    }
    chain.then(make_filter(item));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return chain;
}

}  // namespace pipeline
