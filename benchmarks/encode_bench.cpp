// encode-bench: the PNG encoder alone, on the default chain's outputs (issue #16's "Encoding" target).
//
//   encode-bench [PHOTO_FOLDER] [--synthetic N] [--cases 1 6 9 none:1 ...] [--repeats 7]
//
// Decodes the folder's photos and N synthetic 1920x1080 images, runs the default filter chain on each, then
// encodes every output in each case in memory (no file, no fsync), the levels interleaved round by round so that
// noise on a shared machine hits them alike. Prints, per image set and level, the median ms per megapixel and the
// bytes relative to level 6's in the same run. Where the time goes inside one encode (row filtering against
// deflate against CRC) is for callgrind, whose instruction counts repeat on a noisy machine:
//   valgrind --tool=callgrind encode-bench FOLDER --cases 6 --repeats 1 --warmup 0
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "io/png_encoder.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/vips.hpp"

namespace {

struct ImageSet {
  std::string name;
  std::vector<pipeline::Image> outputs;  // the default chain's
  double megapixels = 0;
};

ImageSet chain_outputs(std::string name, const pipeline::Batch& inputs) {
  const pipeline::FilterChain chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  ImageSet set{std::move(name), {}, 0};
  for (const auto& input : inputs) {
    set.outputs.push_back(chain.apply(input.image));
    set.megapixels += static_cast<double>(input.image.pixel_count()) / 1e6;
  }
  return set;
}

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

// One way of encoding: a level as the library maps it, or explicit settings: "paeth:1" (libdeflate level 1),
// "adaptive:fast" (the fast coder).
struct Case {
  std::string label;
  pipeline::detail::PngSettings settings;
};

struct Result {
  double ms_per_mp = 0;
  std::size_t bytes = 0;
};

Case parse_case(const std::string& text) {
  using pipeline::detail::RowFilter;
  const auto colon = text.find(':');
  if (colon == std::string::npos) return {"level " + text, pipeline::detail::settings_for(std::stoi(text))};
  const std::string name = text.substr(0, colon);
  const std::pair<const char*, RowFilter> filters[] = {{"none", RowFilter::none},
                                                       {"sub", RowFilter::sub},
                                                       {"up", RowFilter::up},
                                                       {"paeth", RowFilter::paeth},
                                                       {"adaptive", RowFilter::adaptive}};
  for (const auto& [filter_name, filter] : filters) {
    if (name != filter_name) continue;
    const std::string level = text.substr(colon + 1);
    if (level == "fast") return {text, {1, filter, pipeline::detail::Deflater::fast}};
    return {text, {std::stoi(level), filter, pipeline::detail::Deflater::libdeflate}};
  }
  throw std::invalid_argument("unknown row filter: " + name);
}

// Every output of `set` encoded in each case, the cases interleaved within each round.
std::vector<Result> measure(const ImageSet& set, const std::vector<Case>& cases, int warmup, int repeats) {
  std::vector<std::vector<double>> seconds(cases.size());
  std::vector<Result> results(cases.size());
  for (int round = -warmup; round < repeats; ++round) {
    for (std::size_t c = 0; c < cases.size(); ++c) {
      std::size_t total = 0;
      const auto start = std::chrono::steady_clock::now();
      for (const auto& image : set.outputs) total += pipeline::detail::encode_png(image, cases[c].settings).size();
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      if (round >= 0) seconds[c].push_back(elapsed.count());
      results[c].bytes = total;
    }
  }
  for (std::size_t c = 0; c < cases.size(); ++c) results[c].ms_per_mp = median(seconds[c]) * 1e3 / set.megapixels;
  return results;
}

// The first case is the reference: bytes and time are given relative to it.
void report(const ImageSet& set, const std::vector<Case>& cases, const std::vector<Result>& results) {
  fmt::print("\n{}: {} images, {:.1f} MP\n\n| case | ms/MP | bytes | bytes / {} | time / {} |\n|---|---|---|---|---|\n",
             set.name, set.outputs.size(), set.megapixels, cases[0].label, cases[0].label);
  for (std::size_t c = 0; c < cases.size(); ++c) {
    fmt::print("| {} | {:.2f} | {} | {:.3f} | {:.3f} |\n", cases[c].label, results[c].ms_per_mp, results[c].bytes,
               static_cast<double>(results[c].bytes) / static_cast<double>(results[0].bytes),
               results[c].ms_per_mp / results[0].ms_per_mp);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"PNG encoding of the default chain's outputs: ms/MP and bytes per deflate level"};
  std::optional<std::filesystem::path> folder;
  std::size_t synthetic = 6;
  std::vector<std::string> case_texts{"1", "6", "9"};
  int warmup = 1;
  int repeats = 7;
  app.add_option("folder", folder, "Photos to decode (the default chain runs on each)")->check(CLI::ExistingDirectory);
  app.add_option("--synthetic", synthetic, "Synthetic 1920x1080 images (0: none)");
  app.add_option("--cases", case_texts,
                 "Levels 0..9 as the library maps them (1: the fast coder), or FILTER:LIBDEFLATE_LEVEL or FILTER:fast "
                 "(FILTER: none, sub, up, paeth, adaptive); each is compared with adaptive:6, libdeflate's level 6");
  app.add_option("--warmup", warmup, "Unmeasured rounds first")->check(CLI::NonNegativeNumber);
  app.add_option("--repeats", repeats, "Measured rounds (the median is reported)")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  pipeline::initialize_vips();
  std::vector<ImageSet> sets;
  if (folder)
    sets.push_back(chain_outputs("photos " + folder->filename().string(), pipeline::load_image_folder(*folder).images));
  if (synthetic > 0) {
    pipeline::SyntheticOptions options;
    options.count = synthetic;
    options.size = std::pair{1920, 1080};
    sets.push_back(chain_outputs("synthetic 1920x1080", pipeline::synthetic_dataset(options)));
  }
  std::vector<Case> cases{parse_case("adaptive:6")};
  for (const auto& text : case_texts) cases.push_back(parse_case(text));
  for (const auto& set : sets) report(set, cases, measure(set, cases, warmup, repeats));
  return 0;
}
