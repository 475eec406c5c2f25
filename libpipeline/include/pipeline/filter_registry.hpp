#pragma once
// Builds filters and chains from text: "grayscale,blur,sobel,sharpen,brightness=1.2".
//
// The built-in filters are always registered. Register your own before parsing a spec that names them,
// and, for the process pool, before serving as a worker, so the worker can rebuild the same chain.
// Example: examples/custom_filter.cpp (and examples/process_pool.cpp for a worker).

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/filter.hpp"

namespace pipeline {

// A chain spec that cannot be parsed: an unknown name (the message lists the valid ones) or a bad parameter.
class FilterSpecError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The default chain of the seed project.
inline constexpr std::string_view default_filter_spec = "grayscale,blur,sobel,sharpen,brightness=1.2";

// Makes a filter from the text after '=' (nullopt when there is none); throws FilterSpecError on a bad parameter.
using FilterFactory = std::function<FilterPtr(const std::optional<std::string>& parameter)>;

// What a filter does and takes, for help texts (the CLI's --help and man page list every registered filter).
struct FilterParameterDoc {
  std::string name;           // e.g. "FACTOR"
  std::string range;          // e.g. "a number >= 0"
  std::string default_value;  // what the filter uses without one, e.g. "1.2"; empty: it needs one
};
struct FilterDoc {
  std::string summary;                          // e.g. "Gaussian blur, 3x3, sigma 1"
  std::optional<FilterParameterDoc> parameter;  // none: the filter takes no parameter
};

// Registers (or replaces) a filter by name, with its doc. Names are lower-case letters, digits, '_' and '-'.
// Thread-safe.
void register_filter(const std::string& name, FilterFactory factory, FilterDoc doc = {});

// A filter from a function, without a class: `name` is its spec (a valid filter name: see register_filter), and
// `function` must be thread-safe (executors call it from many threads at once). Throws std::invalid_argument.
// Example: pipeline::make_filter("invert", [](const pipeline::Image& in) { ... return out; })
using FilterFunction = std::function<Image(const Image& input)>;
[[nodiscard]] FilterPtr make_filter(const std::string& name, FilterFunction function);

// Registers a filter without a parameter from a function, so chains can name it; in every executor, the process
// pool and the mpi ranks included, when registered before maybe_serve_worker() / maybe_serve_mpi_rank() (their
// workers rebuild chains by name). A parameter given in a spec ("invert=2") is refused. Thread-safe.
// Example: examples/lambda_filter.cpp.
void register_filter(const std::string& name, FilterFunction function, std::string summary = {});

// Registered names, sorted.
[[nodiscard]] std::vector<std::string> registered_filters();

// Registered filters with their docs, sorted by name.
struct RegisteredFilter {
  std::string name;
  FilterDoc doc;
};
[[nodiscard]] std::vector<RegisteredFilter> registered_filter_docs();

// "brightness=1.5" -> the filter. Throws FilterSpecError; for an unknown name, it suggests the nearest registered
// one ("unknown filter 'blurr'; did you mean 'blur'?") and lists them all.
[[nodiscard]] FilterPtr make_filter(std::string_view spec);

// Comma-separated specs, spaces around items ignored; an empty spec is an error. Throws FilterSpecError.
[[nodiscard]] FilterChain parse_filter_chain(std::string_view spec);

}  // namespace pipeline
