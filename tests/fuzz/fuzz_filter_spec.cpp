// libFuzzer target: the filter-chain spec parser (pipeline::parse_filter_chain), the text a worker rebuilds its
// chain from. Properties, for any text:
//  - it parses, or throws FilterSpecError; another exception is a bug;
//  - a chain's spec() parses again to a chain with the same spec(): what the parent sends a worker gives the
//    worker the same filters with the same parameters (brightness's factor is printed in its shortest exact form).

#include <exception>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "pipeline/filter_registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string spec;
  try {
    spec = pipeline::parse_filter_chain(text).spec();
  } catch (const pipeline::FilterSpecError&) {
    return 0;
  } catch (const std::exception& error) {
    pipeline::fuzz::unexpected_exception("parse_filter_chain", error.what());
  }
  std::string again;
  try {
    again = pipeline::parse_filter_chain(spec).spec();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "the spec '%s' of a parsed chain does not parse: %s\n", spec.c_str(), error.what());
    std::abort();
  }
  if (again != spec) std::fprintf(stderr, "spec '%s' parses to a chain of spec '%s'\n", spec.c_str(), again.c_str());
  FUZZ_CHECK(again == spec, "a chain's spec() parses to the same spec()");
  return 0;
}
