// Executors (pipeline/executor.hpp): the same chain on one thread and on four, a run that can be stopped from
// another thread, and files streamed from one folder to another.
#include <iostream>
#include <stop_token>
#include <vector>

#include <pipeline/pipeline.hpp>

int main() {
  const auto chain = pipeline::parse_filter_chain("grayscale,blur,sobel");
  const pipeline::Batch batch = pipeline::synthetic_dataset({.count = 8, .seed = 1, .size = std::pair{320, 240}});

  pipeline::SequentialExecutor sequential;
  pipeline::ThreadPoolExecutor threads(4);
  const pipeline::BatchResult one = sequential.run(chain, batch);
  const pipeline::BatchResult result = threads.run(chain, batch);
  for (const auto& task : result.tasks) {
    if (!task.record.ok()) std::cerr << task.record.image << ": " << task.record.error << '\n';
  }

  std::stop_source stop;  // e.g. requested by a SIGINT handler's thread
  pipeline::RunOptions options;
  options.stop = stop.get_token();
  const pipeline::BatchResult partial = threads.run(chain, batch, options);

  const std::vector<pipeline::FileJob> jobs{{"in/a.jpg", "out/a.webp"}, {"in/b.jpg", "out/b.webp"}};
  const pipeline::BatchResult files =
      threads.run_files(chain, jobs, {.output = {.format = pipeline::ImageFormat::webp, .quality = 90}});
  std::cout << one.failure_count() + result.failure_count() + partial.failure_count() << " failed in memory, "
            << files.failure_count() << " of " << jobs.size() << " files\n";
}
