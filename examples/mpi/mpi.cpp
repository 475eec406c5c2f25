// The worker ranks of an MPI job (pipeline/mpi/mpi_executor.hpp, the pipeline::mpi component): run with
// `mpirun -n 3 example_mpi`. Every rank registers the program's filters; ranks 1..n-1 then serve, rank 0 goes on.
#include <cstdint>
#include <iostream>
#include <string>

#include <pipeline/mpi/mpi_executor.hpp>
#include <pipeline/mpi/ranks.hpp>
#include <pipeline/pipeline.hpp>

int main(int argc, char** argv) {
  pipeline::register_filter("dim", [](const pipeline::Image& in) {
    pipeline::Image out = pipeline::to_gray8(in);
    for (auto& v : out.bytes()) v = static_cast<std::uint8_t>(v / 2);
    return out;
  });
  if (auto code = pipeline::maybe_serve_mpi_rank(argc, argv)) return *code;  // after registering, before anything
  if (const std::string why = pipeline::mpi_unavailable(1); !why.empty()) {
    std::cerr << why << '\n';  // started without mpirun: say how
    return 2;
  }

  const pipeline::Batch batch = pipeline::synthetic_dataset({.count = 8, .seed = 1, .size = std::pair{320, 240}});
  pipeline::MpiExecutor mpi(pipeline::mpi_worker_ranks());  // every worker rank
  const pipeline::BatchResult result = mpi.run(pipeline::parse_filter_chain("grayscale,dim"), batch);
  for (const auto& task : result.tasks) {
    std::cout << task.record.image << ": rank " << task.record.worker + 1 << " on " << task.record.host << ", pid "
              << task.record.pid << '\n';
  }
  std::cout << result.failure_count() << " failed\n";
  return result.failure_count() == 0 ? 0 : 1;
}
