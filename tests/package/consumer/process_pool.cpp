// A program that links the installed library and runs a process pool with its defaults: the worker must be the
// one installed with the library (argv[1]), found with no help, even with the library's build tree out of reach.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include <pipeline/pipeline.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s INSTALLED_WORKER\n", argv[0]);
    return 2;
  }
  const auto chain = pipeline::parse_filter_chain("grayscale,blur,brightness=0.5");
  const auto batch = pipeline::synthetic_dataset({.count = 4, .seed = 3, .size = std::pair{40, 30}});
  const pipeline::BatchResult expected = pipeline::SequentialExecutor().run(chain, batch);
  pipeline::ProcessPoolExecutor processes(2);
  const pipeline::BatchResult result = processes.run(chain, batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& task = result.tasks[i];
    if (!task.record.ok() || task.record.pid == ::getpid() || task.output != expected.tasks[i].output) {
      std::fprintf(stderr, "%s: %s\n", batch[i].name.c_str(),
                   task.record.ok() ? "wrong output" : task.record.error.c_str());
      return 1;
    }
  }
  // The workers stay up between runs: each must be the installed worker program.
  for (const std::int64_t pid : processes.worker_pids()) {
    std::error_code error;
    const auto program = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", error);
    if (error || !std::filesystem::equivalent(program, argv[1])) {
      std::fprintf(stderr, "worker %lld runs %s, expected the installed one: %s\n", static_cast<long long>(pid),
                   error ? error.message().c_str() : program.c_str(), argv[1]);
      return 1;
    }
  }
  std::printf("%zu images through '%s' on %d worker processes of %s: ok\n", batch.size(), chain.spec().c_str(),
              processes.workers(), argv[1]);
  return 0;
}
