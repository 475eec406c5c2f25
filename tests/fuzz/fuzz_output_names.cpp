// libFuzzer target: the mapping from input file names to output file names (pipeline::output_file_names).
//
// The input is a '/'-separated list of names ('/' is the one byte a file name cannot hold). The names kept are
// those a folder listing can give: not empty, not "." or "..", no NUL, each once (the first of duplicates is kept;
// the function's contract is about distinct names: two equal inputs would want the same output). Properties:
// one output per input, all distinct, each ending in ".png", none holding a '/', none "." or "..".

#include <algorithm>
#include <exception>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "pipeline/output_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> names;
  std::set<std::string_view> seen;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t slash = std::min(text.find('/', start), text.size());
    const std::string_view name = text.substr(start, slash - start);
    start = slash + 1;
    if (name.empty() || name == "." || name == ".." || name.find('\0') != std::string_view::npos) continue;
    if (seen.insert(name).second) names.emplace_back(name);
  }
  std::vector<std::string> outputs;
  try {
    outputs = pipeline::output_file_names(names);
  } catch (const std::exception& error) {
    pipeline::fuzz::unexpected_exception("output_file_names", error.what());
  }
  FUZZ_CHECK(outputs.size() == names.size(), "one output name per input name");
  const std::set<std::string> distinct(outputs.begin(), outputs.end());
  FUZZ_CHECK(distinct.size() == outputs.size(), "output names are unique");
  for (const std::string& output : outputs) {
    FUZZ_CHECK(output.size() > 4 && output.ends_with(".png"), "an output name ends in .png after something");
    FUZZ_CHECK(output.find('/') == std::string::npos, "an output name holds no '/'");
    FUZZ_CHECK(output != "." && output != "..", "an output name is not . or ..");
  }
  return 0;
}
