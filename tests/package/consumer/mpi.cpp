// A program that links the mpi component (find_package(pipeline COMPONENTS mpi)) and runs its own filter on the
// worker ranks of an MPI job: `mpirun -n 3 consumer_mpi`. The shape of examples/mpi/mpi.cpp, checked from an
// installed package.
#include <cstdint>
#include <cstdio>

#include <pipeline/mpi/mpi_executor.hpp>
#include <pipeline/mpi/ranks.hpp>
#include <pipeline/pipeline.hpp>

int main(int argc, char** argv) {
  pipeline::register_filter("invert", [](const pipeline::Image& input) {
    pipeline::Image out = pipeline::to_gray8(input);
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(255 - v);
    return out;
  });
  if (const auto code = pipeline::maybe_serve_mpi_rank(argc, argv)) return *code;  // ranks 1..n-1 serve here

  const auto chain = pipeline::parse_filter_chain("grayscale,invert");
  const auto batch = pipeline::synthetic_dataset({.count = 6, .seed = 7, .size = std::pair{64, 48}});
  pipeline::MpiExecutor mpi(pipeline::mpi_worker_ranks());
  const pipeline::BatchResult result = mpi.run(chain, batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!result.tasks[i].record.ok() || result.tasks[i].output != chain.apply(batch[i].image)) {
      std::fprintf(stderr, "%s: %s\n", batch[i].name.c_str(), result.tasks[i].record.error.c_str());
      return 1;
    }
  }
  std::printf("%zu images through '%s' on %d MPI ranks: ok\n", batch.size(), chain.spec().c_str(), mpi.workers());
  return 0;
}
