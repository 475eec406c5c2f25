// run-bench: folder to folder, what `image-pipeline run` costs against only decoding the same files on the same
// number of workers (the floor: every run decodes each file once). Cases run interleaved (A, B, C, A, B, C, ...)
// after a warm-up, each figure is the median of the repeats, and the ratios are computed within this one run.
//
//   run-bench DIR [--workers 2] [--repeats 5] [--warmup 1] [--compression 6] [--filters SPEC]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pipeline/executors.hpp"
#include "pipeline/filter.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/folder_run.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/memory.hpp"
#include "pipeline/output_format.hpp"
#include "pipeline/timing.hpp"
#include "pipeline/vips.hpp"

namespace {

double median_of(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

// Decodes every job's input with `workers` threads taking the next file in turn; the pixels are dropped. What a
// run cannot go below on this many workers: it decodes the same files the same way (FileJobOptions::decode).
double decode_only(const std::vector<pipeline::FileJob>& jobs, int workers) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failed{0};
  const double start = pipeline::monotonic_seconds();
  {
    std::vector<std::jthread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&] {
        for (std::size_t i = next++; i < jobs.size(); i = next++) {
          try {
            (void)pipeline::decode_image(jobs[i].input);
          } catch (const std::exception&) {
            ++failed;
          }
        }
      });
    }
  }
  const double seconds = pipeline::monotonic_seconds() - start;
  if (failed > 0) throw std::runtime_error(fmt::format("{} file(s) could not be decoded", failed.load()));
  return seconds;
}

struct Case {
  std::string name;
  std::function<double()> run;
  std::vector<double> samples{};
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times `run` (decode, filter, encode, write) against a decode-only pass over the same files"};
  std::filesystem::path input;
  int workers = 2;
  int repeats = 5;
  int warmup = 1;
  int compression = pipeline::OutputFormat{}.compression;
  std::string filters(pipeline::default_filter_spec);
  app.add_option("DIR", input, "Folder of images")->required()->check(CLI::ExistingDirectory);
  app.add_option("--workers", workers, "Workers of the decode-only pass and of the threads and processes runs")
      ->check(CLI::Range(1, 1024));
  app.add_option("--repeats", repeats, "Measured repeats per case")->check(CLI::Range(1, 1000));
  app.add_option("--warmup", warmup, "Unmeasured rounds first")->check(CLI::Range(0, 1000));
  app.add_option("--compression", compression, "PNG deflate level of the outputs")
      ->check(CLI::Range(0, pipeline::max_output_compression));
  app.add_option("--filters", filters, "Filter chain");
  CLI11_PARSE(app, argc, argv);

  (void)pipeline::tune_allocator_for_images();
  pipeline::initialize_vips();
  const auto output = std::filesystem::temp_directory_path() / fmt::format("run-bench-{}", ::getpid());
  const pipeline::FolderPlan plan = pipeline::plan_folder_run(input, output);
  const pipeline::FilterChain chain = pipeline::parse_filter_chain(filters);
  pipeline::FileJobOptions file_options;
  file_options.output.compression = compression;

  double megapixels = 0;
  for (const auto& job : plan.jobs) {
    const auto header = pipeline::read_image_header(job.input);
    megapixels += static_cast<double>(header.width) * header.height / 1e6;
  }

  // The executors start once, before any timing (their start-up is printed apart), and serve every repeat.
  std::vector<std::unique_ptr<pipeline::Executor>> executors;
  std::vector<double> startup;
  std::vector<Case> cases;
  cases.push_back(
      {fmt::format("decode only, {} threads", workers), [&] { return decode_only(plan.jobs, workers); }, {}});
  for (const auto& [name, count] :
       std::vector<std::pair<std::string, int>>{{"sequential", 1}, {"threads", workers}, {"processes", workers}}) {
    const double start = pipeline::monotonic_seconds();
    executors.push_back(pipeline::make_executor(name, count));
    executors.back()->start();
    startup.push_back(pipeline::monotonic_seconds() - start);
    pipeline::Executor& executor = *executors.back();
    cases.push_back({fmt::format("run {} x{}", name, count),
                     [&] {
                       const auto summary = pipeline::run_folder(chain, plan, executor, file_options);
                       if (!summary.failures.empty()) {
                         throw std::runtime_error(
                             fmt::format("{}: {}", summary.failures.front().file, summary.failures.front().reason));
                       }
                       return summary.seconds;
                     },
                     {}});
  }

  try {
    for (int round = -warmup; round < repeats; ++round) {
      for (auto& c : cases) {
        const double seconds = c.run();
        if (round >= 0) c.samples.push_back(seconds);
      }
    }
  } catch (const std::exception& error) {
    std::filesystem::remove_all(output);
    std::fprintf(stderr, "run-bench: %s\n", error.what());
    return 1;
  }
  std::filesystem::remove_all(output);

  fmt::print(
      "# run-bench: {} images, {:.1f} MP from {}; chain {}; PNG at compression {}; median of {} after {} warm-up\n\n",
      plan.jobs.size(), megapixels, input.string(), filters, compression, repeats, warmup);
  fmt::print("| case | seconds | ms/MP | vs decode only | runs (s) |\n|---|---:|---:|---:|---|\n");
  const double floor = median_of(cases.front().samples);
  std::vector<double> medians;
  for (const auto& c : cases) {
    const double m = median_of(c.samples);
    medians.push_back(m);
    std::string runs;
    for (const double s : c.samples) runs += fmt::format("{:.3f} ", s);
    fmt::print("| {} | {:.3f} | {:.2f} | {:.2f}x | {}|\n", c.name, m, m * 1e3 / megapixels, m / floor, runs);
  }
  fmt::print("\nrun threads x{0} / decode only x{0}: {1:.2f}; run processes / run threads: {2:.3f}\n", workers,
             medians[2] / floor, medians[3] / medians[2]);
  fmt::print("start-up, not in the times: sequential {:.1f} ms, threads {:.1f} ms, processes {:.1f} ms\n",
             startup[0] * 1e3, startup[1] * 1e3, startup[2] * 1e3);
  return 0;
}
