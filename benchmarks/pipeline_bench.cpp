// pipeline-bench: the performance harness. Every figure is the median of several repeats, and the cases that
// are compared are run interleaved (case A, case B, case A, ...) so that noise on this shared machine hits them
// alike; ratios are computed from those medians, in one run.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pipeline/analysis.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/filters.hpp"
#include "pipeline/machine.hpp"
#include "pipeline/memory.hpp"
#if PIPELINE_WITH_MPI
#include "pipeline/mpi/ranks.hpp"
#endif
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/shared_image_memory.hpp"
#include "pipeline/task.hpp"
#include "pipeline/vips.hpp"

namespace {

struct Stats {
  double median = 0;
  double min = 0;
  double max = 0;
};

Stats stats_of(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  const double median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  return {median, samples.front(), samples.back()};
}

// How many times each case runs: `warmup` unmeasured rounds, then `repeats` measured ones. A new process pool
// needs a few runs to reach its steady speed (its first runs here were 2-8x slower: benchmarks/README.md), and the
// figures are of pools at their steady speed; what a new pool costs is the "fresh" case's.
struct Timing {
  int warmup = 3;
  int repeats = 5;
};

// Runs every case once per round, the warm-up rounds first, and returns each case's stats over the measured ones.
std::vector<Stats> interleaved(const std::vector<std::function<double()>>& cases, const Timing& timing) {
  std::vector<std::vector<double>> samples(cases.size());
  for (int round = -timing.warmup; round < timing.repeats; ++round) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const double seconds = cases[i]();
      if (round >= 0) samples[i].push_back(seconds);
    }
  }
  std::vector<Stats> result;
  for (auto& s : samples) result.push_back(stats_of(std::move(s)));
  return result;
}

// The median of the measured runs' figures: the first `timing.warmup` of `per_run` are the warm-up's.
double measured_median(const std::vector<double>& per_run, const Timing& timing) {
  return stats_of(std::vector<double>(per_run.begin() + timing.warmup, per_run.end())).median;
}

double megapixels(const pipeline::Batch& batch) {
  double mp = 0;
  for (const auto& image : batch) mp += static_cast<double>(image.image.pixel_count()) / 1e6;
  return mp;
}

double time_chain(const pipeline::FilterChain& chain, const pipeline::Batch& batch) {
  const double start = pipeline::monotonic_seconds();
  std::size_t sink = 0;
  for (const auto& image : batch) sink += chain.apply(image.image).size_bytes();
  const double seconds = pipeline::monotonic_seconds() - start;
  if (sink == 0) std::fputs("", stderr);  // keeps the work observable
  return seconds;
}

void filters_section(const Timing& timing, const pipeline::Batch& photos) {
  const double mp = megapixels(photos);
  pipeline::Batch grey;
  for (const auto& image : photos) grey.push_back({image.name, pipeline::to_gray8(image.image)});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"grayscale (RGB in)", "grayscale"},
      {"blur", "blur"},
      {"sobel", "sobel"},
      {"sharpen", "sharpen"},
      {"brightness=1.2", "brightness=1.2"},
      {"whole chain (RGB in)", std::string(pipeline::default_filter_spec)}};
  std::vector<std::function<double()>> runs;
  std::vector<pipeline::FilterChain> chains;
  for (const auto& c : cases) chains.push_back(pipeline::parse_filter_chain(c.second));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const bool rgb_in = cases[i].first.find("RGB in") != std::string::npos;
    runs.push_back([&, i, rgb_in] { return time_chain(chains[i], rgb_in ? photos : grey); });
  }
  const auto results = interleaved(runs, timing);
  fmt::print("\n## Filters, one thread ({} images, {:.1f} MP, median of {} after {} warm-up)\n\n", photos.size(), mp,
             timing.repeats, timing.warmup);
  fmt::print("| filter | ms/MP | MP/s | min..max ms/MP |\n|---|---:|---:|---:|\n");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    fmt::print("| {} | {:.2f} | {:.0f} | {:.2f}..{:.2f} |\n", cases[i].first, results[i].median * 1e3 / mp,
               mp / results[i].median, results[i].min * 1e3 / mp, results[i].max * 1e3 / mp);
  }
}

// One configuration of the executors section: an executor built and started once, before any timing, and run
// again for every repeat, as the comparison does (a pool's start-up is not what these figures measure). "fresh"
// builds a new process pool for every run instead, starting its workers inside the timed run: the pool as it was
// before it kept its workers, for reference.
struct ExecutorCase {
  // "threads", "processes pipe", "processes shm" (in place: the images in shared image memory), "processes shm
  // copy" (the same pool, the images on the heap: copied through each worker's segment), "processes pipe fresh"
  std::string label;
  std::string executor;  // make_executor name
  std::optional<pipeline::Transport> transport;
  bool fresh = false;
  int workers = 1;
  std::unique_ptr<pipeline::Executor> started;
  std::vector<double> transfer_ms_per_mb;  // per run (the warm-up first): transfer_s summed over tasks per MB of images
  bool heap_images = false;                // run on the batch made before shared image memory was on
  std::vector<pipeline::WallTimeSplit> splits = {};  // per run (the warm-up first)
  std::vector<double> transfer_share = {};           // per run: transfer_s / (transfer_s + the tasks' own time), summed
  // per run: CPU seconds of this process (user + system, all its threads). For a process pool that is the parent's
  // alone (its workers are other processes): what dispatching costs, which bounds how many workers one parent feeds.
  std::vector<double> caller_cpu_s = {};
};

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::unique_ptr<pipeline::Executor> make_case_executor(const ExecutorCase& c) {
  if (!c.transport) return pipeline::make_executor(c.executor, c.workers);
  pipeline::ProcessPoolOptions options;
  options.transport = *c.transport;
  return pipeline::make_executor(c.executor, c.workers, options);
}

double run_case(ExecutorCase& c, const pipeline::FilterChain& chain, const pipeline::Batch& batch) {
  std::unique_ptr<pipeline::Executor> fresh;
  pipeline::Executor& executor = c.fresh ? *(fresh = make_case_executor(c)) : *c.started;
  const double cpu_before = process_cpu_seconds();
  const auto result = executor.run(chain, batch);
  c.caller_cpu_s.push_back(process_cpu_seconds() - cpu_before);
  if (result.failure_count() != 0) throw std::runtime_error(fmt::format("{} x{}: a task failed", c.label, c.workers));
  double transfer_s = 0;
  double task_s = 0;
  double megabytes = 0;
  // Per MB of images delivered (input and output samples), however many bytes the transport itself moved for
  // them: in place that is a few frames, so a per-byte-moved figure would say nothing.
  for (std::size_t i = 0; i < result.tasks.size(); ++i) {
    transfer_s += result.tasks[i].record.transfer_s;
    task_s += result.tasks[i].record.seconds();
    megabytes += static_cast<double>(batch[i].image.size_bytes() + result.tasks[i].output.size_bytes()) / 1e6;
  }
  if (!result.transport.empty() && megabytes > 0) {  // workers in other processes: pool or mpi
    c.transfer_ms_per_mb.push_back(transfer_s * 1e3 / megabytes);
    c.transfer_share.push_back(transfer_s / (transfer_s + task_s));
  }
  c.splits.push_back(pipeline::wall_time_split(result));
  return result.seconds();
}

void print_wall_time_split(const std::vector<ExecutorCase>& cases, const Timing& timing);

// Starts every case's executor (a "fresh" one is made inside each run instead), then times the cases
// interleaved: each on `heap` if it runs on heap images, else on `batch`.
std::vector<Stats> time_cases(std::vector<ExecutorCase>& cases, const pipeline::FilterChain& chain,
                              const pipeline::Batch& batch, const pipeline::Batch& heap, const Timing& timing) {
  for (auto& c : cases) {
    if (c.fresh) continue;
    c.started = make_case_executor(c);
    c.started->start();
  }
  std::vector<std::function<double()>> runs;
  for (auto& c : cases) {
    runs.push_back([&c, &chain, &batch, &heap] { return run_case(c, chain, c.heap_images ? heap : batch); });
  }
  return interleaved(runs, timing);
}

// `heap` was made before shared image memory was on; `batch` is the same images in it (see main).
void executors_section(const Timing& timing, const pipeline::Batch& heap, const pipeline::Batch& batch,
                       const std::vector<int>& worker_counts, bool fresh_pools) {
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  std::vector<ExecutorCase> cases;
  cases.push_back({"sequential", "sequential", std::nullopt, false, 1, {}, {}, false});
  for (const int workers : worker_counts) {
    cases.push_back({"threads", "threads", std::nullopt, false, workers, {}, {}, false});
    cases.push_back({"processes pipe", "processes", pipeline::Transport::pipe, false, workers, {}, {}, false});
    cases.push_back({"processes shm", "processes", pipeline::Transport::shared_memory, false, workers, {}, {}, false});
    cases.push_back(
        {"processes shm copy", "processes", pipeline::Transport::shared_memory, false, workers, {}, {}, true});
    if (fresh_pools) {
      cases.push_back({"processes pipe fresh", "processes", pipeline::Transport::pipe, true, workers, {}, {}, false});
    }
  }
  const auto results = time_cases(cases, chain, batch, heap, timing);

  const double mp = megapixels(batch);
  fmt::print(
      "\n## Executors, whole chain ({} images, {:.1f} MP, median of {} after {} warm-up; pools started before "
      "timing{})\n\n",
      batch.size(), mp, timing.repeats, timing.warmup, fresh_pools ? ", except \"fresh\": a new pool per run" : "");
  fmt::print(
      "| executor | workers | seconds | ms/MP | speedup vs sequential | time / threads' | transfer ms per MB of images "
      "| min..max s |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  std::map<std::pair<std::string, int>, double> medians;
  for (std::size_t i = 0; i < cases.size(); ++i) medians[{cases[i].label, cases[i].workers}] = results[i].median;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const auto threads = medians.find({"threads", c.workers});
    const std::string versus_threads = c.executor == "processes" && threads != medians.end()
                                           ? fmt::format("{:.2f}", results[i].median / threads->second)
                                           : "";
    const std::string transfer = c.transfer_ms_per_mb.size() <= static_cast<std::size_t>(timing.warmup)
                                     ? ""
                                     : fmt::format("{:.3f}", measured_median(c.transfer_ms_per_mb, timing));
    fmt::print("| {} | {} | {:.3f} | {:.2f} | {:.2f}x | {} | {} | {:.3f}..{:.3f} |\n", c.label, c.workers,
               results[i].median, results[i].median * 1e3 / mp, results[0].median / results[i].median, versus_threads,
               transfer, results[i].min, results[i].max);
  }
  fmt::print("\n");
  for (const int workers : worker_counts) {
    const double threads = medians[{"threads", workers}];
    const double pipe = medians[{"processes pipe", workers}];
    const double shm = medians[{"processes shm", workers}];
    const double copy = medians[{"processes shm copy", workers}];
    fmt::print(
        "{} workers: speedup threads {:.2f}x, processes pipe {:.2f}x, shm copy {:.2f}x, shm in place {:.2f}x; "
        "processes / threads time: pipe {:.3f}, shm copy {:.3f}, shm in place {:.3f}; shm in place / pipe time {:.3f}",
        workers, results[0].median / threads, results[0].median / pipe, results[0].median / copy,
        results[0].median / shm, pipe / threads, copy / threads, shm / threads, shm / pipe);
    if (fresh_pools) {
      fmt::print("; a new pipe pool per run (as before) / shm kept: {:.2f}x",
                 medians[{"processes pipe fresh", workers}] / shm);
    }
    fmt::print("\n");
  }

  print_wall_time_split(cases, timing);
}

// What each case spent its wall time on: the part that is not filtering is what its paradigm cost.
void print_wall_time_split(const std::vector<ExecutorCase>& cases, const Timing& timing) {
  fmt::print(
      "\n## Where the wall time goes (share of each run, averaged over its workers; medians of {})\n\n"
      "| executor | workers | before first task | filtering | between tasks | after last task |\n"
      "|---|---:|---:|---:|---:|---:|\n",
      timing.repeats);
  for (const auto& c : cases) {
    if (c.splits.size() <= static_cast<std::size_t>(timing.warmup)) continue;
    const auto share = [&c, &timing](double pipeline::WallTimeSplit::*part) {
      std::vector<double> per_run;
      for (const auto& split : c.splits) per_run.push_back(split.*part);
      return fmt::format("{:.1f}%", 100.0 * measured_median(per_run, timing));
    };
    fmt::print("| {} | {} | {} | {} | {} | {} |\n", c.label, c.workers, share(&pipeline::WallTimeSplit::before_first),
               share(&pipeline::WallTimeSplit::filtering), share(&pipeline::WallTimeSplit::between),
               share(&pipeline::WallTimeSplit::after_last));
  }
}

// The question at one worker count, with nothing else between the runs: sequential, threads and the
// process pool in place, interleaved. In "executors" each pool waits for a dozen other cases between its runs,
// and a worker process that slept that long wakes milliseconds late on some machines (benchmarks/README.md).
void head_to_head_section(const Timing& timing, const pipeline::Batch& batch, int workers) {
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  std::vector<ExecutorCase> cases;
  cases.push_back({"sequential", "sequential", std::nullopt, false, 1, {}, {}, false});
  cases.push_back({"threads", "threads", std::nullopt, false, workers, {}, {}, false});
  cases.push_back({"processes shm", "processes", pipeline::Transport::shared_memory, false, workers, {}, {}, false});
  const auto results = time_cases(cases, chain, batch, batch, timing);
  fmt::print(
      "\n## Head to head at {} workers ({} images, {:.1f} MP, median of {} after {} warm-up; only these three "
      "cases, interleaved)\n\n| executor | workers | seconds | speedup vs sequential | time / threads' | min..max s |\n"
      "|---|---:|---:|---:|---:|---:|\n",
      workers, batch.size(), megapixels(batch), timing.repeats, timing.warmup);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    fmt::print("| {} | {} | {:.3f} | {:.2f}x | {} | {:.3f}..{:.3f} |\n", cases[i].label, cases[i].workers,
               results[i].median, results[0].median / results[i].median,
               i == 2 ? fmt::format("{:.2f}", results[2].median / results[1].median) : "", results[i].min,
               results[i].max);
  }
  fmt::print(
      "\n{} workers head to head: speedup threads {:.2f}x, processes in place {:.2f}x; processes / threads "
      "time {:.3f}\n",
      workers, results[0].median / results[1].median, results[0].median / results[2].median,
      results[2].median / results[1].median);
  fmt::print("the process pool's parent: {:.1f} us of CPU per image\n",
             measured_median(cases[2].caller_cpu_s, timing) * 1e6 / static_cast<double>(batch.size()));
  print_wall_time_split(cases, timing);
}

#if PIPELINE_WITH_MPI
// The mpi executor beside the others at one worker count, interleaved (run under mpirun with one rank more than
// the workers). Its transport is Open MPI's choice unless mpirun was told (--mca btl tcp,self: TCP).
void mpi_section(const Timing& timing, const pipeline::Batch& heap, const pipeline::Batch& batch, int workers) {
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  std::vector<ExecutorCase> cases;
  cases.push_back({"sequential", "sequential", std::nullopt, false, 1, {}, {}, false});
  cases.push_back({"threads", "threads", std::nullopt, false, workers, {}, {}, false});
  cases.push_back({"processes shm", "processes", pipeline::Transport::shared_memory, false, workers, {}, {}, false});
  // In place as the CLI's comparison runs it (the images in rank 0's shared image memory, which ranks on its host
  // map), and with the same images on the heap, their samples then travelling as MPI messages (as to another host).
  cases.push_back({"mpi", "mpi", std::nullopt, false, workers, {}, {}, false});
  cases.push_back({"mpi messages", "mpi", std::nullopt, false, workers, {}, {}, true});
  const auto results = time_cases(cases, chain, batch, heap, timing);
  const char* btl = std::getenv("OMPI_MCA_btl");
  fmt::print(
      "\n## mpi at {} workers ({} images, {:.1f} MP, median of {} after {} warm-up; {} ranks; MPI transports: "
      "{})\n\n| executor | workers | seconds | speedup vs sequential | transfer ms per MB of images | transfer share "
      "of task time | min..max s |\n|---|---:|---:|---:|---:|---:|---:|\n",
      workers, batch.size(), megapixels(batch), timing.repeats, timing.warmup, pipeline::mpi_worker_ranks() + 1,
      btl != nullptr ? btl : "Open MPI's default (shared memory between ranks of one host)");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const bool moved = c.transfer_share.size() > static_cast<std::size_t>(timing.warmup);
    fmt::print("| {} | {} | {:.3f} | {:.2f}x | {} | {} | {:.3f}..{:.3f} |\n", c.label, c.workers, results[i].median,
               results[0].median / results[i].median,
               moved ? fmt::format("{:.3f}", measured_median(c.transfer_ms_per_mb, timing)) : "",
               moved ? fmt::format("{:.1f}%", 100.0 * measured_median(c.transfer_share, timing)) : "", results[i].min,
               results[i].max);
  }
  fmt::print(
      "\n{} workers: speedup mpi {:.2f}x (processes {:.2f}x, threads {:.2f}x; mpi messages {:.2f}x); mpi / processes "
      "time {:.3f}\n",
      workers, results[0].median / results[3].median, results[0].median / results[2].median,
      results[0].median / results[1].median, results[0].median / results[4].median,
      results[3].median / results[2].median);
  print_wall_time_split(cases, timing);
}
#endif

void overhead_section(const Timing& timing, const pipeline::Batch& heap_tiny, const pipeline::Batch& tiny) {
  const std::size_t tiny_count = tiny.size();
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  std::vector<ExecutorCase> cases;
  cases.push_back({"sequential", "sequential", std::nullopt, false, 1, {}, {}, false});
  cases.push_back({"threads", "threads", std::nullopt, false, 2, {}, {}, false});
  cases.push_back({"processes pipe", "processes", pipeline::Transport::pipe, false, 2, {}, {}, false});
  cases.push_back({"processes shm", "processes", pipeline::Transport::shared_memory, false, 2, {}, {}, false});
  cases.push_back({"processes shm copy", "processes", pipeline::Transport::shared_memory, false, 2, {}, {}, true});
  const auto results = time_cases(cases, chain, tiny, heap_tiny, timing);
  fmt::print(
      "\n## Per-task cost on tiny images ({} x 64x64, median of {} after {} warm-up; pools started before "
      "timing)\n\n",
      tiny_count, timing.repeats, timing.warmup);
  fmt::print(
      "| executor | workers | microseconds per image (wall) | CPU of the calling process per image (us; a pool: "
      "the parent's) |\n|---|---:|---:|---:|\n");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    fmt::print("| {} | {} | {:.1f} | {:.1f} |\n", cases[i].label, cases[i].workers,
               results[i].median * 1e6 / static_cast<double>(tiny_count),
               measured_median(cases[i].caller_cpu_s, timing) * 1e6 / static_cast<double>(tiny_count));
  }
}

void scaling_section(const Timing& timing) {
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  std::vector<std::pair<std::string, pipeline::Batch>> sets;
  for (const int side : {256, 512, 1024, 2048}) {
    const std::size_t count = std::max<std::size_t>(1, static_cast<std::size_t>((2048 * 2048 * 2) / (side * side)));
    sets.emplace_back(fmt::format("{} x {}x{}", count, side, side),
                      pipeline::synthetic_dataset({.count = count, .seed = 5, .size = std::pair{side, side}}));
  }
  for (const std::size_t count : {10, 100}) {
    sets.emplace_back(fmt::format("{} x 640x480", count),
                      pipeline::synthetic_dataset({.count = count, .seed = 6, .size = std::pair{640, 480}}));
  }
  std::vector<std::function<double()>> runs;
  for (const auto& set : sets) runs.push_back([&] { return time_chain(chain, set.second); });
  const auto results = interleaved(runs, timing);
  fmt::print(
      "\n## Scaling, whole chain, one thread (median of {} after {} warm-up): cost per MP should stay\n"
      "flat\n\n",
      timing.repeats, timing.warmup);
  fmt::print("| images | MP | ms/MP |\n|---|---:|---:|\n");
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const double mp = megapixels(sets[i].second);
    fmt::print("| {} | {:.1f} | {:.2f} |\n", sets[i].first, mp, results[i].median * 1e3 / mp);
  }
}

}  // namespace

int main(int argc, char** argv) {
#if PIPELINE_WITH_MPI
  // Under mpirun the ranks other than 0 serve the mpi section's executor here.
  if (const auto code = pipeline::maybe_serve_mpi_rank(argc, argv)) return *code;
#endif
  CLI::App app{"Measures the filters, the executors, per-task overhead and scaling; prints medians and ratios."};
  Timing timing;
  std::size_t images = 16;
  std::vector<int> workers{1, 2, 4};
  std::size_t tiny = 1000;
  bool fresh = true;
  app.add_option("--repeats", timing.repeats, "Measured repeats per case")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--warmup", timing.warmup,
                 "Unmeasured runs of every case first (a new process pool takes a few to reach its steady speed)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  app.add_option("--images", images, "1920x1080 images in the executor batch")->check(CLI::Range(1, 100000));
  app.add_option("--workers", workers, "Worker counts")->check(CLI::Range(1, 1024));
  app.add_option("--tiny", tiny, "Tiny images in the overhead case")->check(CLI::Range(1, 1000000));
  app.add_flag("--fresh-pools,!--no-fresh-pools", fresh,
               "Also time a process pool started afresh for every run (the pool before it kept its workers)");
  std::vector<std::string> sections{"filters", "executors", "head-to-head", "overhead", "scaling"};
#if PIPELINE_WITH_MPI
  if (pipeline::mpi_worker_ranks() > 0) sections.emplace_back("mpi");  // under mpirun
#endif
  int head_to_head_workers = 2;
  app.add_option("--sections", sections, "Sections to run (mpi: under mpirun, one rank more than the workers)")
      ->check(CLI::IsMember({"filters", "executors", "head-to-head", "overhead", "scaling", "mpi"}));
  app.add_option("--head-to-head-workers", head_to_head_workers, "Worker count of the head-to-head section")
      ->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);

  // Whether it took effect is printed: page faults on fresh image buffers cost more here than some filters.
  const bool allocator_tuned = pipeline::tune_allocator_for_images();
  pipeline::initialize_vips();
  const auto photos = pipeline::synthetic_dataset({.count = images, .seed = 1, .size = std::pair{1920, 1080}});
  const auto heap_tiny = pipeline::synthetic_dataset({.count = tiny, .seed = 3, .size = std::pair{64, 64}});
  // From here on images are made in shared image memory, as the CLI does for a process pool: copies of the same
  // images, so the process pool can be timed passing them in place and (the heap originals) by copy.
  std::string why;
  const bool shared = pipeline::use_shared_image_memory(pipeline::default_shared_image_capacity, &why);
  const pipeline::Batch shared_photos = photos;
  const pipeline::Batch shared_tiny = heap_tiny;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const pipeline::MachineInfo machine = pipeline::describe_machine();
  fmt::print(
      "# pipeline-bench (libvips {}, 1 thread per operation, cache off; allocator tuned for images: {}{}; "
      "shared image memory: {})\n",
      pipeline::libvips_version(), allocator_tuned ? "yes" : "no",
      tunables != nullptr ? fmt::format(", GLIBC_TUNABLES={}", tunables) : "", shared ? "on" : "off, " + why);
  fmt::print("# {}, {} logical CPUs; kernels: {}\n", machine.cpu_model, machine.logical_cpus, machine.kernels);
  try {
    const auto wanted = [&sections](const char* name) {
      return std::find(sections.begin(), sections.end(), name) != sections.end();
    };
    if (wanted("filters")) filters_section(timing, photos);
    std::fflush(stdout);
    if (wanted("executors")) executors_section(timing, photos, shared_photos, workers, fresh);
    std::fflush(stdout);
    if (wanted("head-to-head")) head_to_head_section(timing, shared_photos, head_to_head_workers);
    std::fflush(stdout);
    if (wanted("overhead")) overhead_section(timing, heap_tiny, shared_tiny);
    std::fflush(stdout);
    if (wanted("scaling")) scaling_section(timing);
    std::fflush(stdout);
    if (wanted("mpi")) {
#if PIPELINE_WITH_MPI
      if (const std::string why = pipeline::mpi_unavailable(head_to_head_workers); !why.empty()) {
        throw std::runtime_error(why);
      }
      mpi_section(timing, photos, shared_photos, head_to_head_workers);
#else
      throw std::runtime_error("the mpi section needs a build with PIPELINE_WITH_MPI");
#endif
    }
  } catch (const std::exception& error) {
    std::fflush(stdout);
    fmt::print(stderr, "pipeline-bench: {}\n", error.what());
    return 1;
  }
  return 0;
}
