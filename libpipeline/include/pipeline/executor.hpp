#pragma once
// The Executor abstraction: runs a filter chain over a batch, one task per image, results in input order.
//
//   pipeline::SequentialExecutor sequential;
//   pipeline::ThreadPoolExecutor threads(4);
//   auto chain = pipeline::parse_filter_chain("grayscale,blur,sobel");
//   pipeline::BatchResult result = threads.run(chain, batch);
//   for (const auto& task : result.tasks) if (!task.record.ok()) std::cerr << task.record.error << '\n';
//
// A failing image yields its error in its record; the other images go on. Executors know nothing of reports.

#include <span>
#include <string>
#include <vector>

#include "pipeline/filter.hpp"
#include "pipeline/image.hpp"
#include "pipeline/task.hpp"

namespace pipeline {

struct BatchResult {
  std::string executor;  // "sequential", "threads", "processes"
  int workers = 1;
  double start_s = 0.0;  // monotonic seconds around the whole batch (pool start-up included)
  double end_s = 0.0;
  // When every worker was ready for work: the pool's start-up is ready_s - start_s (processes: until each worker
  // has started, initialised libvips and answered the handshake). Equal to start_s for the sequential executor.
  double ready_s = 0.0;
  std::vector<TaskResult> tasks;  // one per input image, in input order

  [[nodiscard]] double seconds() const noexcept { return end_s - start_s; }
  [[nodiscard]] double startup_seconds() const noexcept { return ready_s > start_s ? ready_s - start_s : 0.0; }
  [[nodiscard]] std::size_t failure_count() const noexcept;
};

class Executor {
 public:
  virtual ~Executor() = default;
  // The paradigm's name as it appears in reports and on the command line.
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual int workers() const = 0;
  // Runs `chain` on every image of `batch`. Throws only when the executor itself cannot work (e.g. cannot start
  // its workers); a failing image is reported in its TaskRecord.
  [[nodiscard]] virtual BatchResult run(const FilterChain& chain, std::span<const NamedImage> batch) = 0;
};

}  // namespace pipeline
